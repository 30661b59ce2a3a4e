"""API key scopes: each system client may do only what its job needs.

A person's rights come from the role and organisation; a key has no role, so its
scopes say which part of the API it may call. The rule is one table over the API's
paths, checked for every key-authenticated request in `shared.auth.current_actor`;
the CV bank's write rule (services/matching/policy.py) checks `cv-source` again.
"""

from collections.abc import Iterable

from shared.errors import Forbidden, ValidationFailed
from shared.models import OrgKind

CV_SOURCE = "cv-source"
CVS_READ = "cvs:read"
ORDERS = "orders"
STATISTICS_READ = "statistics:read"

SCOPES: dict[str, str] = {
    CV_SOURCE: "write and delete CVs in the CV bank (the jobcentre's CV source)",
    CVS_READ: "read CVs and search the CV bank (own members only for an a-kasse)",
    ORDERS: "job orders and candidates (a-kasse and order systems)",
    STATISTICS_READ: "read the indicators, nothing else",
}

# What a key of each organisation kind could do before keys had scopes: the migration
# gives existing keys these, so no running integration breaks on upgrade.
LEGACY_SCOPES: dict[OrgKind, frozenset[str]] = {
    OrgKind.JOBCENTRE: frozenset({CV_SOURCE, CVS_READ, ORDERS, STATISTICS_READ}),
    OrgKind.AKASSE: frozenset({CVS_READ, ORDERS, STATISTICS_READ}),
    OrgKind.EMPLOYER: frozenset(),
}

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# (path prefix, methods or None for all, scope). The first matching row decides.
_RULES: tuple[tuple[str, frozenset[str] | None, str], ...] = (
    ("/api/matching/cvs", WRITE_METHODS, CV_SOURCE),
    ("/api/matching/", None, CVS_READ),
    ("/api/orders", None, ORDERS),
    ("/api/indicators", None, STATISTICS_READ),
    ("/api/webhooks", None, ORDERS),
)
# For people only, whatever the key's scopes: key management, the audit log, personal
# notifications, password changes.
_PEOPLE_ONLY = ("/api/apikeys", "/api/audit", "/api/notifications", "/api/me/password")
PERSON = "person"


def required_scope(method: str, path: str) -> str | None:
    """The scope a key needs for this request; None if any key may make it.

    The web pages are for people. Other API paths (who am I, the organisations to
    address, the occupation vocabulary) need no scope; their services still apply
    their own rules. A new API area that handles personal data gets a row in _RULES.
    """
    for prefix, methods, scope in _RULES:
        if _under(path, prefix) and (methods is None or method in methods):
            return scope
    if not _under(path, "/api") or any(_under(path, p) for p in _PEOPLE_ONLY):
        return PERSON
    return None


def _under(path: str, prefix: str) -> bool:
    if prefix.endswith("/"):
        return path.startswith(prefix)
    return path == prefix or path.startswith(prefix + "/")


def require_scope(scopes: frozenset[str], method: str, path: str) -> None:
    """Refuse (403, audited) a key whose scopes do not cover the request."""
    needed = required_scope(method, path)
    if needed is None or needed in scopes:
        return
    action = f"{method} {path}"
    if needed == PERSON:
        raise Forbidden("API keys may not use this; it is for people who log in", action=action)
    raise Forbidden(f"This API key lacks the scope {needed!r}", action=action)


def validate_scopes(scopes: Iterable[str], kind: OrgKind) -> frozenset[str]:
    """Known scopes only; only a jobcentre's key can be its CV source."""
    chosen = frozenset(s.strip() for s in scopes if s.strip())
    unknown = sorted(chosen - SCOPES.keys())
    if unknown:
        raise ValidationFailed(
            f"Unknown scope(s) {', '.join(unknown)}; known: {', '.join(SCOPES)}", field="scopes"
        )
    if not chosen:
        raise ValidationFailed("Give the key at least one scope", field="scopes")
    if CV_SOURCE in chosen and kind is not OrgKind.JOBCENTRE:
        raise ValidationFailed("Only a jobcentre's key can be a CV source", field="scopes")
    return chosen
