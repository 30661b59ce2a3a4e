"""Random sequences of mediation actions by random people never break the order's invariants."""

import contextlib
import uuid
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from services.joborders.candidates import service as candidates
from services.joborders.candidates.schemas import CandidateIn
from services.joborders.models import (
    Candidate,
    CandidateStatus,
    ContactOutcome,
    JobOrder,
    OrderEvent,
    OrderStatus,
    OwnerChange,
)
from services.joborders.orders import service as orders
from services.joborders.ownership import service as ownership
from services.joborders.sharing import service as sharing
from shared import db
from shared.actor import Actor
from shared.errors import AppError
from tests.joborders.helpers import FakeMatching, World, actor, new_order, run, world

# "progress" moves a candidate one step along contact, referral and hire, so sequences
# reach hires and full orders; the other actions interleave anything else.
ACTIONS = (
    "add", "add", "progress", "progress", "progress", "progress", "contact", "refer", "hire",
    "not_hire", "reverse", "archive", "hand_over", "inactivate", "reopen",
)  # fmt: skip
# (action, who acts, which candidate, contact outcome); actors 0 and 1 are the likely owners.
step = st.tuples(
    st.sampled_from(ACTIONS),
    st.sampled_from([0, 0, 0, 1, 2, 3]),
    st.integers(0, 2),
    st.sampled_from(list(ContactOutcome)),
)


def _apply(
    act: str, who: Actor, order_id: uuid.UUID, cands: list[uuid.UUID], pick: int,
    outcome: ContactOutcome, matching: FakeMatching, w: World,
) -> None:  # fmt: skip
    cid = cands[pick % len(cands)] if cands else None
    kw = {"order_id": order_id}
    current = run(orders.read_order, actor(w.mediator), order_id=order_id)
    if act == "add":
        cv = matching.add_cv(f"Person {len(matching.cvs)}", w.akasse if pick else None)
        c = run(candidates.add_candidate, who, data=CandidateIn(cv_id=cv), **kw)
        cands.append(c.id)
    elif act == "hand_over":
        target = w.mediator2.id if current.owner_user_id == w.mediator.id else w.mediator.id
        run(
            ownership.change_owner, who, reason="skift", expected_version=current.version,
            new_owner_id=target, **kw,
        )  # fmt: skip
    elif act in ("inactivate", "reopen"):
        status = OrderStatus.INACTIVATED if act == "inactivate" else OrderStatus.IN_PROCESS
        run(
            orders.change_status, who, status=status, reason=None,
            expected_version=current.version, **kw,
        )  # fmt: skip
    elif cid is None:
        return
    elif act == "progress":
        with db.unit_of_work() as s:
            c = s.get(Candidate, cid)
            assert c is not None
            status = c.status
        if status is CandidateStatus.PROPOSED:
            outcome = ContactOutcome.INTERESTED
            run(candidates.record_contact, who, candidate_id=cid, outcome=outcome, **kw)
        elif status is CandidateStatus.CONTACTED:
            run(candidates.refer_candidate, who, candidate_id=cid, **kw)
        elif status is CandidateStatus.REFERRED:
            run(
                candidates.record_outcome, who, candidate_id=cid, hired=True,
                start_date=date(2027, 1, 4), **kw,
            )  # fmt: skip
    elif act == "contact":
        run(candidates.record_contact, who, candidate_id=cid, outcome=outcome, **kw)
    elif act == "refer":
        run(candidates.refer_candidate, who, candidate_id=cid, **kw)
    elif act in ("hire", "not_hire"):
        run(
            candidates.record_outcome, who, candidate_id=cid, hired=act == "hire",
            start_date=date(2027, 1, 4), **kw,
        )  # fmt: skip
    elif act == "reverse":
        run(candidates.reverse_outcome, who, candidate_id=cid, reason="fejl", **kw)
    elif act == "archive":
        run(candidates.archive_candidate, who, candidate_id=cid, reason="ud", **kw)


def _check_invariants(order_id: uuid.UUID) -> None:
    with db.unit_of_work() as s:
        order = s.get(JobOrder, order_id)
        assert order is not None
        hired = s.scalar(
            select(func.count()).where(
                Candidate.order_id == order_id,
                Candidate.status == CandidateStatus.HIRED,
                Candidate.archived_at.is_(None),
            )
        )
        assert hired is not None
        assert hired <= order.positions
        if hired == order.positions:
            assert order.status is OrderStatus.CLOSED_FILLED
        seqs = list(s.scalars(select(OrderEvent.seq).where(OrderEvent.order_id == order_id)))
        assert sorted(seqs) == list(range(1, len(seqs) + 1)) == list(range(1, order.event_seq + 1))
        owners = list(
            s.scalars(
                select(OwnerChange.to_user_id)
                .where(OwnerChange.order_id == order_id)
                .order_by(OwnerChange.at, OwnerChange.id)
            )
        )
        assert owners[-1] == order.owner_user_id
        referred = s.scalars(
            select(Candidate).where(
                Candidate.order_id == order_id,
                Candidate.status.in_((CandidateStatus.REFERRED, CandidateStatus.HIRED)),
            )
        )
        assert all(c.contact_outcome is ContactOutcome.INTERESTED for c in referred)


@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@given(steps=st.lists(step, min_size=8, max_size=20))
def test_random_mediation_keeps_the_invariants(
    database: str, matching: FakeMatching, steps: list[tuple[str, int, int, ContactOutcome]]
) -> None:
    w = world()
    people = [actor(p) for p in (w.mediator, w.mediator2, w.caseworker, w.centre_admin)]
    order_id = new_order(people[0], positions=2)
    run(sharing.share_order, people[0], order_id=order_id, organisation_ids=[w.akasse])
    cands: list[uuid.UUID] = []
    for finder in (people[0], people[0], people[2]):  # start with three proposed candidates
        _apply("add", finder, order_id, cands, 1, ContactOutcome.INTERESTED, matching, w)
    for act, who, pick, outcome in steps:
        # A refusal is a legal outcome; the state must hold either way.
        # A refusal is a legal outcome; the state must hold either way.
        with contextlib.suppress(AppError):
            _apply(act, people[who], order_id, cands, pick, outcome, matching, w)
        _check_invariants(order_id)
