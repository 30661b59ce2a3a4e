"""The closed lists of reasons for "ikke interesseret" and "ikke ansat", with their Danish words.

The codes are the API's enum values; the Danish labels are what the UI, the table and the
mediation log show. A reason may carry free text beside it (the contact or outcome note).
"""

import enum


class NotInterestedReason(enum.StrEnum):
    """Why a contacted candidate is not interested in the job."""

    OTHER_JOB = "other_job"
    PAY = "pay"
    HOURS = "hours"
    COMMUTE = "commute"
    JOB_CONTENT = "job_content"
    HEALTH = "health"
    OTHER = "other"


class NotHiredReason(enum.StrEnum):
    """Why the employer did not hire a referred candidate."""

    OTHER_CANDIDATE = "other_candidate"
    QUALIFICATIONS = "qualifications"
    CANDIDATE_DECLINED = "candidate_declined"
    NO_SHOW = "no_show"
    POSITION_WITHDRAWN = "position_withdrawn"
    OTHER = "other"


NOT_INTERESTED_DA: dict[str, str] = {
    NotInterestedReason.OTHER_JOB: "Har fået andet job",
    NotInterestedReason.PAY: "Løn og vilkår",
    NotInterestedReason.HOURS: "Arbejdstid",
    NotInterestedReason.COMMUTE: "Transport og afstand",
    NotInterestedReason.JOB_CONTENT: "Jobbets indhold",
    NotInterestedReason.HEALTH: "Helbred",
    NotInterestedReason.OTHER: "Anden årsag",
}

NOT_HIRED_DA: dict[str, str] = {
    NotHiredReason.OTHER_CANDIDATE: "Virksomheden valgte en anden kandidat",
    NotHiredReason.QUALIFICATIONS: "Manglende kvalifikationer",
    NotHiredReason.CANDIDATE_DECLINED: "Kandidaten takkede nej",
    NotHiredReason.NO_SHOW: "Mødte ikke op til samtalen",
    NotHiredReason.POSITION_WITHDRAWN: "Stillingen blev trukket tilbage",
    NotHiredReason.OTHER: "Anden årsag",
}


def reason_label(code: str | None) -> str:
    """The Danish words for either kind of reason code ("" for none or unknown)."""
    if not code:
        return ""
    return NOT_INTERESTED_DA.get(code) or NOT_HIRED_DA.get(code) or ""
