"""Form handling for the pages: form -> schema, Danish messages next to each field or flashed."""

from datetime import date
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from services.web.common import flash_redirect
from services.web.templating import dato
from shared.errors import AppError

M = TypeVar("M", bound=BaseModel)

# Pydantic's error types in the words a Danish mediator expects to read.
_MESSAGES: dict[str, str] = {
    "missing": "Skal udfyldes.",
    "string_too_short": "Skal udfyldes.",
    "string_too_long": "Teksten er for lang (højst {max_length} tegn).",
    "string_pattern_mismatch": "Har ikke det rigtige format.",
    "int_parsing": "Skal være et helt tal.",
    "int_from_float": "Skal være et helt tal.",
    "int_type": "Skal være et helt tal.",
    "float_parsing": "Skal være et tal.",
    "float_type": "Skal være et tal.",
    "decimal_parsing": "Skal være et tal.",
    "greater_than": "Skal være større end {gt}.",
    "greater_than_equal": "Skal være mindst {ge}.",
    "less_than": "Skal være mindre end {lt}.",
    "less_than_equal": "Må højst være {le}.",
    "date_parsing": "Skal være en dato (åååå-mm-dd).",
    "date_from_datetime_parsing": "Skal være en dato (åååå-mm-dd).",
    "date_type": "Skal være en dato (åååå-mm-dd).",
    "datetime_parsing": "Skal være en dato og et tidspunkt.",
    "enum": "Vælg en af mulighederne.",
    "literal_error": "Vælg en af mulighederne.",
    "value_error": "Ugyldig værdi.",
    "assertion_error": "Ugyldig værdi.",
    "uuid_parsing": "Ugyldig værdi.",
    "too_long": "Der er for mange (højst {max_length}).",
    "bool_parsing": "Vælg ja eller nej.",
    "extra_forbidden": "Feltet kendes ikke.",
    # The order's date rules (services.joborders.orders.schemas.order_date_problems).
    "date_before_receipt": "Må ikke ligge før den dag, jobordren blev modtaget ({received}).",
    "date_in_past": "Må ikke ligge i fortiden.",
    # Text that is not UTF-8 (shared/input_encoding.py): nothing was saved.
    "invalid_utf8": "Teksten indeholder tegn, der ikke kan læses (ugyldig UTF-8). Skriv den igen.",
}

# Messages a service writes in English for a known rule, in Danish for the form.
_VALUE_ERRORS_DA: dict[str, str] = {
    "e-mail": "Skriv en gyldig e-mailadresse.",
    "email": "Skriv en gyldig e-mailadresse.",
    "cvr": "Et CVR-nummer har 8 cifre.",
    "postal": "Et postnummer har 4 cifre.",
    "driving licence": "Ukendt kørekortkategori.",
    "deadline": "Fristen ligger før en anden dato på ordren.",
    "before": "Datoen ligger før en anden dato på ordren.",
}


def danish_message(error_type: str, ctx: dict[str, Any] | None, msg: str = "") -> str:
    """One pydantic error as a Danish sentence."""
    if error_type == "value_error" and msg:
        low = msg.lower()
        for key, text in _VALUE_ERRORS_DA.items():
            if key in low:
                return text
    template = _MESSAGES.get(error_type, "Ugyldig værdi.")
    # 0.0 reads as "0" to a person: show whole-number limits without decimals.
    values = {k: _plain_value(v) for k, v in (ctx or {}).items()}
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template


def _plain_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-":
        try:
            return dato(date.fromisoformat(value))  # an ISO date the Danish way
        except ValueError:
            return value
    return value


# A format error on these fields says what the right format is.
_FORMAT_DA = {
    "employer_cvr": "Et CVR-nummer har 8 cifre.",
    "workplace_postal_code": "Et postnummer har 4 cifre.",
    "postal_code": "Et postnummer har 4 cifre.",
    "contact_email": "Skriv en gyldig e-mailadresse, fx navn@firma.dk.",
}


def field_errors(exc: ValidationError, prefix: str = "") -> dict[str, str]:
    """Map each invalid field (dotted path without `prefix`) to a Danish message."""
    errors: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        # List items report their index; the form field is the list as a whole.
        loc = [p for p in loc if not p.isdigit()]
        name = ".".join(loc)
        if prefix and name.startswith(prefix + "."):
            name = name[len(prefix) + 1 :]
        name = name or "__all__"
        kind = err.get("type", "")
        if kind == "string_pattern_mismatch" and name in _FORMAT_DA:
            errors.setdefault(name, _FORMAT_DA[name])
            continue
        errors.setdefault(name, danish_message(kind, err.get("ctx"), str(err.get("msg", ""))))
    return errors


def app_error_fields(error: AppError) -> dict[str, str]:
    """Field messages a service attached to a 422 (an `errors` list or a `field`)."""
    found: dict[str, str] = {}
    for item in error.extra.get("errors", []) or []:
        if isinstance(item, dict):
            loc = item.get("loc") or [item.get("field", "__all__")]
            name = ".".join(str(p) for p in loc if not str(p).isdigit() and p != "body")
            found.setdefault(
                name or "__all__",
                danish_message(
                    str(item.get("type", "value_error")), item.get("ctx"), str(item.get("msg"))
                ),
            )
    if field := error.extra.get("field"):
        found.setdefault(str(field), danish_message("value_error", None, error.detail))
    return found


def lines(value: str | None) -> list[str]:
    """A textarea with one item per line (or comma-separated) as a clean list."""
    if not value:
        return []
    parts = [p.strip() for chunk in value.splitlines() for p in chunk.split(",")]
    return [p for p in parts if p]


def blank_to_none(value: str | None) -> str | None:
    """Empty form fields mean 'not given'."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def first_error(exc: ValidationError) -> str:
    """The first Danish message of a validation error, with the field it belongs to."""
    errors = field_errors(exc)
    name, message = next(iter(errors.items()))
    return message if name == "__all__" else f"{FIELD_NAMES_DA.get(name, name)}: {message}"


FIELD_NAMES_DA = {
    "reason": "Begrundelse",
    "start_date": "Startdato",
    "outcome": "Udfald",
    "note": "Note",
    "status": "Status",
    "new_owner_id": "Ny formidlingsansvarlig",
    "jobcentre_id": "Jobcenter",
    "organisation_ids": "A-kasse",
    "cv_id": "CV",
}


def validated_or_flash(
    request: Request,
    schema: type[M],
    data: dict[str, Any],
    *,
    failure: str,
    back: str,
    at: str = "",
) -> M | Response:
    """The posted data as `schema`, or a redirect to `back` flashing why nothing was saved.

    For the small action forms on a page; a page returns the response when it gets one.
    `at` shows the message at the form (its element id) instead of at the top.
    """
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        return flash_redirect(request, back, f"{failure} {first_error(exc)}", "error", at=at)


def form_version(values: dict[str, str]) -> int | None:
    """The order version a form was rendered with (a hidden field), if it is a number."""
    raw = (values.get("version") or "").strip()
    return int(raw) if raw.isdigit() else None
