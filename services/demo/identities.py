"""Demo organisations, users and system-client API keys; loading twice changes nothing."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.errors import Forbidden
from shared.identity.scopes import CV_SOURCE, CVS_READ, ORDERS, STATISTICS_READ
from shared.identity.service import create_user, get_or_create_organisation
from shared.models import ApiKey, Organisation, OrgKind, Role, User
from shared.security import hash_api_secret
from shared.settings import get_settings

DEMO_PASSWORD = "jobbro-demo"


@dataclass(frozen=True)
class DemoOrg:
    name: str
    kind: OrgKind
    municipality_code: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    org: str
    role: Role


ORGS = [
    DemoOrg("Jobcenter Norddjurs", OrgKind.JOBCENTRE, "707", "jobcenter@norddjurs.dk"),
    DemoOrg("Jobcenter Aarhus", OrgKind.JOBCENTRE, "751", "jobcenter@aarhus.dk"),
    DemoOrg("3F A-kasse", OrgKind.AKASSE),
    DemoOrg("HK A-kasse", OrgKind.AKASSE),
    DemoOrg("FOA A-kasse", OrgKind.AKASSE),
    DemoOrg("Krifa", OrgKind.AKASSE),
]

USERS = [
    DemoUser("mette@norddjurs.dk", "Mette Sørensen", "Jobcenter Norddjurs", Role.MEDIATOR),
    DemoUser("jonas@norddjurs.dk", "Jonas Kristensen", "Jobcenter Norddjurs", Role.MEDIATOR),
    DemoUser("admin@norddjurs.dk", "Birgitte Holm", "Jobcenter Norddjurs", Role.ADMINISTRATOR),
    DemoUser("anders@aarhus.dk", "Anders Nielsen", "Jobcenter Aarhus", Role.MEDIATOR),
    DemoUser("lars@3f.dk", "Lars Jensen", "3F A-kasse", Role.CASEWORKER),
    DemoUser("admin@3f.dk", "Pia Madsen", "3F A-kasse", Role.ADMINISTRATOR),
    DemoUser("hanne@hk.dk", "Hanne Poulsen", "HK A-kasse", Role.CASEWORKER),
    DemoUser("sofie@foa.dk", "Sofie Larsen", "FOA A-kasse", Role.CASEWORKER),
    DemoUser("peter@krifa.dk", "Peter Christensen", "Krifa", Role.CASEWORKER),
]

# Demo system clients get fixed keys so the README can show a working curl call.
# They exist only in demo data; real keys come from `jobbro apikeys create`.
DEMO_API_KEYS = {
    "3F A-kasse": "jb_demo3f_3f-a-kasse-demo-key-not-for-production",
    "HK A-kasse": "jb_demohk_hk-a-kasse-demo-key-not-for-production",
    "Jobcenter Norddjurs": "jb_demond_norddjurs-cv-source-demo-key",
}
# What the demo needs each key for: the a-kasser's systems create, forward and
# propose (README curl calls) and read their members' CVs and their indicators;
# Norddjurs' key is the CV source the demo and the browser tests load CVs with.
DEMO_KEY_SCOPES = {
    "3F A-kasse": f"{CVS_READ} {ORDERS} {STATISTICS_READ}",
    "HK A-kasse": f"{CVS_READ} {ORDERS} {STATISTICS_READ}",
    "Jobcenter Norddjurs": f"{CV_SOURCE} {CVS_READ}",
}


def load_identities(session: Session) -> dict[str, Organisation]:
    if get_settings().env == "production":
        # The demo's passwords and keys are published in the README.
        raise Forbidden("Demo logins and keys are never installed in production")
    orgs = {
        o.name: get_or_create_organisation(
            session, name=o.name, kind=o.kind, municipality_code=o.municipality_code, email=o.email
        )
        for o in ORGS
    }
    for u in USERS:
        if session.scalar(select(User).where(User.email == u.email)) is None:
            create_user(
                session,
                email=u.email,
                name=u.name,
                password=DEMO_PASSWORD,
                organisation=orgs[u.org],
                role=u.role,
            )
    for org_name, key in DEMO_API_KEYS.items():
        prefix, _, secret = key.removeprefix("jb_").partition("_")
        existing = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        if existing is None:
            session.add(
                ApiKey(
                    name="demo system client",
                    prefix=prefix,
                    secret_hash=hash_api_secret(secret),
                    organisation=orgs[org_name],
                    scopes=DEMO_KEY_SCOPES[org_name],
                )
            )
        else:
            existing.scopes = DEMO_KEY_SCOPES[org_name]
    session.flush()
    return orgs
