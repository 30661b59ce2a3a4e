"""Demo CVs: 5,000 across Norddjurs and Aarhus, upserted through the CV bank and indexed."""

import json
import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.demo.cv_generator import generate, unemployed_since
from services.matching.cvbank import ingest
from services.matching.models import Cv
from shared.actor import Actor, system_actor
from shared.models import Organisation, OrgKind

# The CV source of the demo is the jobcentre's system, as in production.
CV_SOURCE_ORGANISATION = "Jobcenter Norddjurs"


def _source_actor(session: Session) -> Actor:
    org = session.scalar(select(Organisation).where(Organisation.name == CV_SOURCE_ORGANISATION))
    if org is None or org.kind is not OrgKind.JOBCENTRE:
        raise RuntimeError(f"demo organisation {CV_SOURCE_ORGANISATION!r} is missing")
    return system_actor(org, "demo CV source")


_ASCII = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "é": "e", "ü": "u", "ö": "o"})


def demo_contact(name: str, rng: random.Random) -> dict[str, str]:
    """Fake but plausible contact details: a Danish mobile number and an address at the
    reserved example.com domain (RFC 2606), so no demo e-mail can reach a real person."""
    digits = f"{rng.choice('2345')}{rng.randrange(10_000_000):07d}"
    phone = f"+45 {digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}"
    local = ".".join(name.lower().translate(_ASCII).split())
    local = "".join(ch for ch in local if ch.isalnum() or ch == ".")
    return {"phone": phone, "email": f"{local}{rng.randrange(10, 100)}@example.com"}


def load(session: Session, *, cvs: int = 5000, seed: int = 7, **_: int) -> dict[str, int]:
    """Upsert the demo CVs (idempotent: unchanged CVs are neither written nor re-embedded)."""
    actor = _source_actor(session)
    akasser = {
        o.name: str(o.id)
        for o in session.scalars(select(Organisation).where(Organisation.kind == OrgKind.AKASSE))
    }
    facts_rng = random.Random(seed * 7919)
    # A separate stream, so adding contact details left the other demo facts as they were.
    contact_rng = random.Random(seed * 104729)

    def lines() -> list[bytes]:
        out = []
        for demo in generate(cvs, seed):
            since = unemployed_since(facts_rng)
            data = {
                **demo.data,
                "case_facts": {
                    "akasse_organisation_id": akasser.get(demo.akasse) if demo.akasse else None,
                    "unemployed_since": since.isoformat(),
                },
                "contact": demo_contact(demo.data["name"], contact_rng),
            }
            out.append(json.dumps(data, ensure_ascii=False).encode())
        return out

    result = ingest.bulk_upsert(session, actor, lines=lines())
    if result.failed:
        raise RuntimeError(f"demo CVs failed to load: {result.errors[:3]}")
    total = session.scalar(select(func.count()).select_from(Cv)) or 0
    return {
        "cvs": total,
        "cvs created": result.created,
        "cvs updated": result.updated,
        "cvs unchanged": result.unchanged,
    }
