"""Danish words for the job-order service's codes, as the mediators say them."""

from typing import Any

STATUS_DA = {
    "draft": "Kladde",
    "in_process": "Under behandling",
    "inactivated": "Inaktiveret",
    "closed_filled": "Lukket – besat",
    "closed_expired": "Lukket – frist udløbet",
}

CHANNEL_DA = {
    "jobag": "JobAG",
    "phone": "Telefon",
    "email": "E-mail",
    "in_person": "Personligt fremmøde",
}

CANDIDATE_STATUS_DA = {
    "proposed": "Foreslået",
    "contacted": "Kontaktet",
    "referred": "Henvist",
    "hired": "Ansat",
    "not_hired": "Ikke ansat",
}

CONTACT_OUTCOME_DA = {
    "interested": "Interesseret",
    "not_interested": "Ikke interesseret",
    "unreachable": "Forsøgt kontaktet – ikke truffet",
}

SOURCE_DA = {"matching": "kandidatsøgning", "manual": "manuelt"}

EVENT_DA = {
    "created": "Jobordre oprettet",
    "updated": "Jobordre rettet",
    "employer_contact_changed": "Virksomhedens kontaktoplysninger ændret",
    "forwarded": "Videreformidlet via JobAG",
    "shared": "Delt med a-kasse",
    "owner_changed": "Ny formidlingsansvarlig",
    "status_changed": "Status ændret",
    "candidate_added": "Kandidat tilføjet",
    "contacted": "Kandidat kontaktet",
    "referred": "Kandidat henvist til virksomheden",
    "hired": "Kandidat ansat",
    "not_hired": "Kandidat ikke ansat",
    "outcome_reversed": "Udfald tilbageført",
    "candidate_archived": "Kandidat arkiveret",
    "closed": "Jobordre lukket",
}

OWNER_CHANGE_DA = {
    "initial": "oprettet",
    "hand_over": "overdraget",
    "take_over": "overtaget af administrator",
    "forward_take_over": "ejerskab taget efter videreformidling",
}

DRIVING_LICENCE_OPTIONS = ["B", "BE", "C1", "C", "CE", "D1", "D", "DE", "A", "AM", "TM"]

LANGUAGE_DA = {
    "da": "dansk",
    "en": "engelsk",
    "de": "tysk",
    "sv": "svensk",
    "no": "norsk",
    "pl": "polsk",
    "fr": "fransk",
    "es": "spansk",
    "ar": "arabisk",
    "uk": "ukrainsk",
    "ro": "rumænsk",
    "lt": "litauisk",
    "tr": "tyrkisk",
    "it": "italiensk",
    "ru": "russisk",
}

LANGUAGE_LEVEL_DA = {
    "basic": "grundlæggende",
    "good": "godt",
    "fluent": "flydende",
    "native": "modersmål",
}

WORKING_TIME_DA = {
    "day": "dag",
    "evening": "aften",
    "night": "nat",
    "weekend": "weekend",
    "shifts": "skiftehold",
}

REASON_KIND_DA = {
    "title": "stillingsbetegnelse",
    "occupation": "stilling",
    "related_occupation": "beslægtet stilling",
    "skill": "kompetence",
    "certificate": "certifikat",
    "driving_licence": "kørekort",
    "language": "sprog",
    "education": "uddannelse",
    "hours": "timer",
    "availability": "rådighed",
    "distance": "afstand",
}

CV_FIELD_DA = {
    "headline": "overskrift",
    "summary": "resumé",
    "desired_jobs": "ønskede job",
    "professional_competences": "faglige kompetencer",
    "personal_competences": "personlige kompetencer",
    "experience": "erhvervserfaring",
    "education": "uddannelse",
    "courses": "kurser",
    "certificates": "certifikater",
    "languages": "sprog",
    "driving_licences": "kørekort",
    "weekly_hours": "ugentlige timer",
    "working_time": "arbejdstid",
    "postal_code": "postnummer",
    "available_from": "rådighed",
}

SCORE_PART_DA = {
    "semantic": "indholdslighed",
    "lexical": "ordmatch",
    "requirements": "krav opfyldt",
}


def candidate_status(candidate: Any) -> str:
    """A candidate's status as a mediator says it: a call nobody answered is no contact."""
    status = candidate.status.value
    outcome = candidate.contact_outcome.value if candidate.contact_outcome else None
    if status == "contacted" and outcome == "unreachable":
        return CONTACT_OUTCOME_DA["unreachable"]
    return CANDIDATE_STATUS_DA.get(status, status)


def plural(count: int, singular: str, plural_form: str) -> str:
    """ "1 jobordre", "2 jobordrer": the count with the right form of the noun."""
    return f"{count} {singular if count == 1 else plural_form}"


ALL = {
    "candidate_status": candidate_status,
    "plural": plural,
    "STATUS_DA": STATUS_DA,
    "CHANNEL_DA": CHANNEL_DA,
    "CANDIDATE_STATUS_DA": CANDIDATE_STATUS_DA,
    "CONTACT_OUTCOME_DA": CONTACT_OUTCOME_DA,
    "SOURCE_DA": SOURCE_DA,
    "EVENT_DA": EVENT_DA,
    "OWNER_CHANGE_DA": OWNER_CHANGE_DA,
    "LANGUAGE_DA": LANGUAGE_DA,
    "LANGUAGE_LEVEL_DA": LANGUAGE_LEVEL_DA,
    "WORKING_TIME_DA": WORKING_TIME_DA,
    "REASON_KIND_DA": REASON_KIND_DA,
    "CV_FIELD_DA": CV_FIELD_DA,
    "SCORE_PART_DA": SCORE_PART_DA,
    "DRIVING_LICENCE_OPTIONS": DRIVING_LICENCE_OPTIONS,
}
