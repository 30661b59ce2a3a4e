"""Demo job orders: Norddjurs and Aarhus employers, all statuses, forwarded, shared, hired."""

import csv
import logging
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.demo.cv_generator import KOMPETENCER_TSV
from services.joborders.candidates import service as candidates
from services.joborders.candidates.schemas import CandidateIn
from services.joborders.forwarding import service as forwarding
from services.joborders.matching_port import get_client, order_query
from services.joborders.models import (
    Candidate,
    Channel,
    ContactOutcome,
    IdempotencyKey,
    JobOrder,
    OrderStatus,
)
from services.joborders.orders import service as orders
from services.joborders.orders.schemas import OrderCreate
from services.joborders.sharing import service as sharing
from services.matching.occupations.data import LABELS_TSV
from shared.actor import Actor
from shared.auth import actor_for_user
from shared.db import after_commit, unit_of_work, utcnow
from shared.models import Organisation, User

log = logging.getLogger("jobbro.demo.orders")

MARKER = "demo:joborders:v1"
CV_SOURCE_OWNER = "Jobcenter Norddjurs"


# Demo titles whose Danish ESCO label several occupations share, and the occupation the
# demo order means: "lagermedarbejder" is also an alternative label of *lagerarbejder på
# en lædervarefabrik*; "lastbilchauffør" of *bagagevognschauffør*.
DEMO_OCCUPATION = {
    "lagermedarbejder": "lagerarbejder",
    "lastbilchauffør": "chauffør - kørsel med farligt gods",
}


@lru_cache(maxsize=1)
def _occupations() -> dict[str, str]:
    """Danish ESCO occupation label (lower case) to URI: a preferred label wins over an
    alternative one, and DEMO_OCCUPATION settles the labels the demo orders share."""
    preferred: dict[str, str] = {}
    alternative: dict[str, str] = {}
    with LABELS_TSV.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["concept_type"] == "occupation":
                table = preferred if row["label_kind"] == "preferred" else alternative
                table.setdefault(row["label"].lower(), row["uri"])
    out = {**alternative, **preferred}
    out.update({title: preferred[label] for title, label in DEMO_OCCUPATION.items()})
    return out


@lru_cache(maxsize=1)
def _attitudes() -> list[str]:
    """Personal-competence phrases from the Kompetencer job-ad sentences (tags A1 and S1)."""
    with KOMPETENCER_TSV.open(encoding="utf-8") as fh:
        rows = [line.rstrip("\n").split("\t") for line in fh if "\t" in line]
    return sorted({text for text, tag in rows if tag in ("A1", "S1") and 3 < len(text) < 60})


@dataclass(frozen=True)
class DemoOrder:
    owner: str
    employer: str
    cvr: str
    address: str
    postal_code: str
    contact: str
    title: str
    skills: list[str]
    certificates: list[str] = field(default_factory=list)
    licences: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=lambda: ["dansk"])
    education: list[str] = field(default_factory=list)
    positions: int = 1
    hours: float = 37
    days_ago: int = 3
    channel: Channel = Channel.PHONE
    # What happens to the order after it is registered.
    plan: str = "open"


ORDERS = [
    DemoOrder(
        "mette@norddjurs.dk",
        "Grenaa Havn A/S",
        "29184471",
        "Havnevej 20",
        "8500",
        "Karin Holm",
        "lagermedarbejder",
        ["truckkørsel", "lagerstyring", "pluk og pak"],
        ["truckcertifikat B"],
        ["B"],
        positions=3,
        plan="hire_one",
    ),
    DemoOrder(
        "mette@norddjurs.dk",
        "Auning Maskinfabrik ApS",
        "31557802",
        "Industrivej 4",
        "8963",
        "Poul Riis",
        "svejser",
        ["MIG/MAG-svejsning", "tegningslæsning"],
        ["svejsecertifikat EN ISO 9606-1"],
        plan="fill",
    ),
    DemoOrder(
        "jonas@norddjurs.dk",
        "Ebeltoft Strandhotel",
        "27716390",
        "Ndr. Strandvej 3",
        "8400",
        "Lise Dam",
        "kok",
        ["à la carte", "hygiejne", "menuplanlægning"],
        ["hygiejnebevis"],
        languages=["dansk", "engelsk"],
        positions=2,
        plan="share",
    ),
    DemoOrder(
        "jonas@norddjurs.dk",
        "Norddjurs Kommune, Ældreplejen",
        "29189714",
        "Torvet 3",
        "8500",
        "Hanne Bak",
        "social- og sundhedshjælper",
        ["personlig pleje", "dokumentation i omsorgssystem", "forflytning"],
        education=["social- og sundhedshjælperuddannelsen"],
        licences=["B"],
        positions=4,
        hours=32,
        plan="refer",
    ),
    DemoOrder(
        "mette@norddjurs.dk",
        "Grenaa Bageri",
        "33874512",
        "Storegade 11",
        "8500",
        "Jens Bager",
        "bager",
        ["brødbagning", "tidlig morgenvagt"],
        hours=30,
        days_ago=12,
        plan="overdue",
    ),
    DemoOrder(
        "jonas@norddjurs.dk",
        "Allingåbro Transport ApS",
        "35120987",
        "Stationsvej 9",
        "8961",
        "Erik Lund",
        "lastbilchauffør",
        ["kørsel med sættevogn", "kundeservice"],
        ["chaufføruddannelsens efteruddannelse"],
        ["C", "CE"],
        days_ago=9,
        plan="overdue",
    ),
    DemoOrder(
        "mette@norddjurs.dk",
        "Ørum Djurs Tømrer og Snedker",
        "30011245",
        "Bygaden 2",
        "8586",
        "Morten Ørum",
        "tømrer",
        ["nybyg", "renovering", "tagarbejde"],
        licences=["B"],
        positions=2,
        plan="inactivate",
    ),
    DemoOrder(
        "jonas@norddjurs.dk",
        "Djursland Rengøring ApS",
        "36221908",
        "Søndergade 40",
        "8500",
        "Susanne Kvist",
        "rengøringsassistent",
        ["erhvervsrengøring"],
        hours=25,
        days_ago=40,
        plan="expire",
    ),
    DemoOrder(
        "mette@norddjurs.dk",
        "Grenaa Akvarium",
        "28904417",
        "Færgevej 4",
        "8500",
        "Anna Vig",
        "receptionist",
        ["billetsalg", "gæsteservice"],
        languages=["dansk", "engelsk", "tysk"],
        hours=30,
        plan="draft",
    ),
    DemoOrder(
        "mette@norddjurs.dk",
        "Auning Elservice",
        "34410288",
        "Markvej 12",
        "8963",
        "Bo Elgaard",
        "elektriker",
        ["installation", "fejlfinding", "solceller"],
        ["autorisation som elinstallatør"],
        ["B"],
        plan="closed_elsewhere",
    ),
    DemoOrder(
        "anders@aarhus.dk",
        "Aarhus Byg A/S",
        "25678123",
        "Ceres Allé 5",
        "8000",
        "Niels Friis",
        "murer",
        ["murerarbejde", "flisearbejde"],
        positions=2,
        plan="share",
    ),
    DemoOrder(
        "anders@aarhus.dk",
        "Viby Lager & Logistik",
        "32119876",
        "Skanderborgvej 220",
        "8260",
        "Mads Krog",
        "lagermedarbejder",
        ["truckkørsel", "varemodtagelse"],
        ["truckcertifikat B"],
        positions=2,
        plan="open",
    ),
    DemoOrder(
        "anders@aarhus.dk",
        "Skejby Kantine ApS",
        "37765432",
        "Brendstrupgårdsvej 2",
        "8200",
        "Ida Holm",
        "tjener",
        ["servering", "kasseterminal"],
        hours=20,
        plan="open",
    ),
    # Orders an a-kasse received from employers and passes on to the jobcentre via JobAG.
    DemoOrder(
        "lars@3f.dk",
        "Kattegat Vognmandsforretning",
        "30987765",
        "Østerbrogade 8",
        "8500",
        "Kurt Vogn",
        "buschauffør",
        ["rutekørsel", "kundeservice"],
        [],
        ["D"],
        channel=Channel.EMAIL,
        plan="forward_taken",
    ),
    DemoOrder(
        "lars@3f.dk",
        "Glesborg Betonvarer",
        "29871234",
        "Fabriksvej 1",
        "8585",
        "Ole Bøg",
        "smed",
        ["pladearbejde", "reparation af maskiner"],
        days_ago=1,
        channel=Channel.IN_PERSON,
        plan="forward_pending",
    ),
    DemoOrder(
        "hanne@hk.dk",
        "Grenaa Revision ApS",
        "38817262",
        "Lillegade 7",
        "8500",
        "Tina Lund",
        "butiksassistent",
        ["kundeservice", "kasseekspedition"],
        hours=28,
        plan="open",
    ),
]

# Orders that get candidates from the matching service once the demo CVs are committed.
CANDIDATE_PLANS = ("hire_one", "fill", "refer", "share")


def _actors(session: Session) -> dict[str, Actor]:
    users = session.scalars(select(User))
    return {u.email: actor_for_user(u) for u in users}


def _description(spec: DemoOrder, rng: random.Random) -> str:
    traits = rng.sample(_attitudes(), k=min(3, len(_attitudes())))
    return (
        f"{spec.employer} søger {spec.positions} {spec.title}"
        f"{'e' if spec.positions > 1 and not spec.title.endswith('e') else ''} "
        f"til {spec.hours:g} timer om ugen. "
        f"Du skal have erfaring med {', '.join(spec.skills)}. "
        f"Vi lægger vægt på: {'; '.join(traits)}."
    )


def _create(session: Session, by: Actor, spec: DemoOrder, rng: random.Random) -> JobOrder:
    received = utcnow() - timedelta(days=spec.days_ago, hours=rng.randint(0, 6))
    data = OrderCreate(
        employer_name=spec.employer,
        employer_cvr=spec.cvr,
        employer_address=f"{spec.address}, {spec.postal_code}",
        contact_name=spec.contact,
        contact_email=f"{spec.contact.split()[0].lower()}@{spec.cvr}.demo.dk",
        contact_phone=f"86 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
        title=spec.title.capitalize(),
        occupation_uri=_occupations().get(spec.title.lower()),
        description=_description(spec, rng),
        skills=spec.skills,
        certificates=spec.certificates,
        driving_licences=spec.licences,
        languages=spec.languages,
        education=spec.education,
        positions=spec.positions,
        weekly_hours=spec.hours,
        workplace_postal_code=spec.postal_code,
        start_date=date.today() + timedelta(days=rng.randint(14, 60)),
        placement_deadline=date.today() + timedelta(days=rng.randint(20, 90)),
        channel=spec.channel,
        status=OrderStatus.DRAFT if spec.plan == "draft" else OrderStatus.IN_PROCESS,
        received_at=received,
    )
    return orders.create_order(session, by, data=data)


def _follow_plan(
    session: Session,
    actors: dict[str, Actor],
    orgs: dict[str, Organisation],
    spec: DemoOrder,
    order: JobOrder,
) -> None:
    owner = actors[spec.owner]
    akasser = [orgs[n].id for n in ("3F A-kasse", "HK A-kasse", "FOA A-kasse") if n in orgs]
    if spec.plan in ("share", "refer", "hire_one", "inactivate"):
        sharing.share_order(session, owner, order_id=order.id, organisation_ids=akasser[:2])
    if spec.plan in ("inactivate", "expire", "closed_elsewhere"):
        # Only an order with a hire closes as filled, and only a passed placement deadline
        # closes one as expired: the demo lets the deadline of the closed ones pass.
        target = {
            "inactivate": OrderStatus.INACTIVATED,
            "expire": OrderStatus.CLOSED_EXPIRED,
            "closed_elsewhere": OrderStatus.CLOSED_EXPIRED,
        }[spec.plan]
        if target is OrderStatus.CLOSED_EXPIRED:
            order.placement_deadline = date.today() - timedelta(days=2)
        reason = {
            "inactivate": "Arbejdsgiver har nok kandidater lige nu",
            "expire": "Formidlingsfristen udløb",
            "closed_elsewhere": "Besat via arbejdsgiverens eget netværk, fristen er udløbet",
        }[spec.plan]
        orders.change_status(
            session,
            owner,
            order_id=order.id,
            status=target,
            reason=reason,
            expected_version=order.version,
        )
    if spec.plan in ("forward_taken", "forward_pending"):
        forwarding.forward_order(
            session,
            owner,
            order_id=order.id,
            reason="Vi har ingen ledige medlemmer med de krævede kørekort og certifikater",
            jobcentre_id=orgs[CV_SOURCE_OWNER].id,
        )
    if spec.plan == "forward_taken":
        forwarding.take_forwarded_order(
            session,
            actors["jonas@norddjurs.dk"],
            order_id=order.id,
            reason="Modtaget via JobAG; Jonas kender vognmanden",
        )


def load(session: Session, *, seed: int = 7, **_: int) -> dict[str, int]:
    """Add the demo orders once; candidates follow after commit, when the demo CVs exist."""
    orgs = {o.name: o for o in session.scalars(select(Organisation))}
    marker_org = orgs.get(CV_SOURCE_OWNER)
    if marker_org is None:
        return {}
    done = session.scalar(
        select(IdempotencyKey.id).where(
            IdempotencyKey.organisation_id == marker_org.id, IdempotencyKey.key == MARKER
        )
    )
    if done is None:
        actors = _actors(session)
        rng = random.Random(seed)
        for spec in ORDERS:
            order = _create(session, actors[spec.owner], spec, rng)
            _follow_plan(session, actors, orgs, spec, order)
        session.add(
            IdempotencyKey(
                organisation_id=marker_org.id,
                key=MARKER,
                operation="demo",
                fingerprint="-",
                resource_id=uuid.UUID(int=0),
            )
        )
        session.flush()

    def _candidates() -> None:
        add_demo_candidates(seed=seed)

    after_commit(session, _candidates)
    total = session.scalar(select(func.count()).select_from(JobOrder)) or 0
    return {"job orders": total}


def _demo_orders(session: Session, plans: tuple[str, ...]) -> list[tuple[JobOrder, str]]:
    by_key = {(s.cvr, s.title.capitalize()): s.plan for s in ORDERS if s.plan in plans}
    found = []
    for order in session.scalars(select(JobOrder).order_by(JobOrder.received_at)):
        plan = by_key.get((order.employer_cvr or "", order.title))
        if plan is not None:
            found.append((order, plan))
    return found


def add_demo_candidates(*, seed: int = 7) -> int:
    """Put ranked demo CVs on some orders, contact, refer and hire; skips orders that have some."""
    try:
        return _add_demo_candidates(seed)
    except Exception:  # the demo orders stand on their own when matching has no model or CVs
        log.warning("demo candidates skipped: the matching service could not rank", exc_info=True)
        return 0


def _add_demo_candidates(seed: int) -> int:
    rng = random.Random(seed + 1)
    with unit_of_work() as session:
        actors = _actors(session)
        by_id = {a.id: a for a in actors.values()}
        todo = []
        for order, plan in _demo_orders(session, CANDIDATE_PLANS):
            has = session.scalar(select(Candidate.id).where(Candidate.order_id == order.id))
            if has is None and order.status is OrderStatus.IN_PROCESS:
                todo.append((order.id, order_query(order), plan, by_id[order.owner_user_id]))
    added = 0
    for order_id, query, plan, owner in todo:
        page = get_client().rank_for_order(owner, query, None, 6, 0)
        picks = [item.cv.id for item in page.items[: 1 if plan == "fill" else 3]]
        akasse_pick: tuple[Actor, uuid.UUID] | None = None
        if plan == "share" and "lars@3f.dk" in actors:
            akasse = actors["lars@3f.dk"]
            akasse_page = get_client().rank_for_order(akasse, query, None, 3, 0)
            fresh = [i.cv.id for i in akasse_page.items if i.cv.id not in picks]
            if fresh:
                akasse_pick = (akasse, fresh[0])
        added += _work_candidates(owner, order_id, picks, plan, akasse_pick, rng)
    return added


def _work_candidates(
    owner: Actor,
    order_id: uuid.UUID,
    picks: list[uuid.UUID],
    plan: str,
    akasse_pick: tuple[Actor, uuid.UUID] | None,
    rng: random.Random,
) -> int:
    outcomes = [
        ContactOutcome.INTERESTED,
        ContactOutcome.NOT_INTERESTED,
        ContactOutcome.UNREACHABLE,
    ]
    added = 0
    for index, cv_id in enumerate(picks):
        with unit_of_work() as session:
            c = candidates.add_candidate(
                session, owner, order_id=order_id, data=CandidateIn(cv_id=cv_id)
            )
            added += 1
            outcome = outcomes[index % 3]
            candidates.record_contact(
                session,
                owner,
                order_id=order_id,
                candidate_id=c.id,
                outcome=outcome,
                note=_contact_note(outcome, rng),
            )
            if outcome is not ContactOutcome.INTERESTED or plan == "share":
                continue
            candidates.refer_candidate(session, owner, order_id=order_id, candidate_id=c.id)
            if plan in ("hire_one", "fill"):
                candidates.record_outcome(
                    session,
                    owner,
                    order_id=order_id,
                    candidate_id=c.id,
                    hired=True,
                    start_date=date.today() + timedelta(days=14),
                    note="Ansat efter samtale",
                )
    if akasse_pick is not None:
        akasse, cv_id = akasse_pick
        with unit_of_work() as session:
            c = candidates.add_candidate(
                session, akasse, order_id=order_id, data=CandidateIn(cv_id=cv_id)
            )
            candidates.record_contact(
                session,
                akasse,
                order_id=order_id,
                candidate_id=c.id,
                outcome=ContactOutcome.INTERESTED,
                note="Medlemmet vil gerne til samtale",
            )
        added += 1
    return added


def _contact_note(outcome: ContactOutcome, rng: random.Random) -> str:
    notes: dict[ContactOutcome, list[str]] = {
        ContactOutcome.INTERESTED: [
            "Meget interesseret, kan starte med kort varsel",
            "Interesseret; ønsker fuld tid",
        ],
        ContactOutcome.NOT_INTERESTED: ["Har netop fået andet arbejde", "For lang transporttid"],
        ContactOutcome.UNREACHABLE: [
            "Ingen svar på telefon, sendt sms",
            "Telefonsvarer, prøver igen i morgen",
        ],
    }
    return rng.choice(notes[outcome])
