"""The Danish words of the contact-process pages."""

from datetime import UTC, datetime
from decimal import Decimal

from services.joborders.common.workdays import COPENHAGEN

REC_STATUS_DA = {
    "submitted": "Sendes via beskedmodulet",
    "sent": "Afventer jobcentret",
    "more_information": "Jobcentret beder om flere oplysninger",
    "granted": "Bevilget",
    "refused": "Afslået",
}
OFFER_KIND_DA = {
    "guidance": "Vejledning og opkvalificering (kursus/uddannelse)",
    "internship": "Virksomhedspraktik",
    "wage_subsidy": "Ansættelse med løntilskud",
}
DECISION_DA = {
    "granted": "Bevil",
    "refused": "Afslå",
    "more_information": "Bed om flere oplysninger",
}
INTERVIEW_STATUS_DA = {
    "awaiting_akasse": "Afventer a-kassens mødetider",
    "proposed": "Tider foreslået",
    "jobcentre_picks": "Intet svar – jobcentret vælger tid",
    "confirmed": "Indkaldt",
    "held": "Afholdt",
    "cancelled": "Aflyst",
}
MEETING_FORM_DA = {"in_person": "Personligt fremmøde", "phone": "Telefon", "video": "Video"}
STEP_DA = {
    "submitted": "Indstilling oprettet",
    "amended": "Indstilling rettet og sendt igen",
    "recommendation_sent": "Sendt via beskedmodulet",
    "decision_sent": "Afgørelse sendt via beskedmodulet",
    "decided": "Afgørelse truffet",
    "listed": "Sat på indkaldelisten",
    "proposed": "A-kassen foreslog tider",
    "no_reply": "Intet svar fra a-kassen inden fristen",
    "confirmed": "Jobcentret indkaldte",
    "invitation_sent": "Indkaldelse sendt via beskedmodulet",
    "change_sent": "Ændring sendt via beskedmodulet",
    "cancellation_sent": "Aflysning sendt via beskedmodulet",
    "moved": "Samtalen flyttet",
    "cancelled": "Samtalen aflyst",
    "cancelled_same_day": "Afbud samme dag",
    "held": "Samtalen afholdt",
}
STEP_DETAIL_DA = {
    "reason": "Begrundelse",
    "decision": "Afgørelse",
    "vitas": "VITAS-reference",
    "message_id": "Besked-id",
    "recipient": "Modtager",
    "times": "Tider",
    "meeting_at": "Tidspunkt",
    "form": "Form",
    "from": "Fra",
    "to": "Til",
    "reply_due": "Svarfrist",
    "fallback": "Aftalt procedure",
    "slot": "Tidsslot",
}
FALLBACK_DA = {
    "jobcentre_picks": "jobcentret vælger tid",
    "first_agreed_slot": "første aftalte tidsslot",
}


def local_input(value: str | datetime) -> str:
    """A stored moment as the value of a datetime-local field (Danish time)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(COPENHAGEN).strftime("%Y-%m-%dT%H:%M")


def from_local_input(value: str | None) -> datetime | None:
    """A datetime-local field (Danish time) as an aware moment; None when blank or bad."""
    if not value or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=COPENHAGEN) if moment.tzinfo is None else moment


def kroner(value: Decimal | None) -> str:
    """An amount the Danish way: 8.500,00 kr."""
    if value is None:
        return "–"
    whole = f"{value:,.2f}"
    return whole.replace(",", "X").replace(".", ",").replace("X", ".") + " kr."
