"""What `bench/load.py` checks afterwards: the clients' ledgers against the database."""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import create_engine, func, select, text


@dataclass
class Ledger:
    """What one client was told was saved; checked against the database afterwards."""

    orders: dict[str, str] = field(default_factory=dict)  # id -> last acknowledged description
    versions: dict[str, int] = field(default_factory=dict)
    order_keys: dict[str, str] = field(default_factory=dict)  # Idempotency-Key -> id
    forwarded: set[str] = field(default_factory=set)
    candidates: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (order, cv)
    contacted: set[str] = field(default_factory=set)
    cvs: dict[str, str] = field(default_factory=dict)  # external id -> last headline
    cv_ids: dict[str, str] = field(default_factory=dict)  # external id -> id
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    errors: int = 0  # answers >= 500 and transport errors, retries included
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # "op: kind"
    # (seconds since the load began, latency ms) per operation, for the phase split.
    samples: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))
    unexpected: int = 0  # 4xx the client did not expect


def check_writes(url: str, ledgers: list[Ledger], run: str) -> dict[str, dict[str, int]]:
    """Compare what the clients were told with what the database holds."""
    from services.joborders.models import Candidate, JobOrder
    from services.matching.models import Cv

    engine = create_engine(url)
    kinds = ("orders", "order updates", "forwards", "candidates", "contacts", "cvs", "cv updates")
    lost: dict[str, int] = dict.fromkeys(kinds, 0)
    duplicated: dict[str, int] = {"orders": 0, "candidates": 0}
    with engine.connect() as conn:
        orders = dict(conn.execute(select(JobOrder.id, JobOrder.description)).all())
        for ledger in ledgers:
            for order_id, marker in ledger.orders.items():
                stored = orders.get(uuid.UUID(order_id))
                if stored is None:
                    lost["orders"] += 1
                elif stored != marker:
                    lost["order updates"] += 1
        # One order per Idempotency-Key: the run's orders (its marker) are those it was told of.
        created = sum(len(ledger.order_keys) for ledger in ledgers)
        rows = conn.scalar(
            select(func.count())
            .select_from(JobOrder)
            .where(JobOrder.description.like(f"load {run} %"))
        )
        duplicated["orders"] = max(0, (rows or 0) - created)
        forwarded = {
            str(i)
            for i in conn.scalars(
                select(JobOrder.id).where(JobOrder.forwarded_to_organisation_id.is_not(None))
            )
        }
        for ledger in ledgers:
            lost["forwards"] += len(ledger.forwarded - forwarded)
        candidates = {str(c.id): c for c in conn.execute(select(Candidate)).all()}
        pairs = defaultdict(int)
        for c in candidates.values():
            pairs[(str(c.order_id), str(c.cv_id))] += 1
        duplicated["candidates"] = sum(n - 1 for n in pairs.values() if n > 1)
        for ledger in ledgers:
            for cand, (_order_id, _cv) in ledger.candidates.items():
                if cand not in candidates:
                    lost["candidates"] += 1
            for cand in ledger.contacted:
                row = candidates.get(cand)
                if row is None or str(row.status) in ("proposed", "CandidateStatus.PROPOSED"):
                    lost["contacts"] += 1
        cvs = dict(conn.execute(select(Cv.external_id, Cv.headline)).all())
        for ledger in ledgers:
            for external_id, headline in ledger.cvs.items():
                stored_headline = cvs.get(external_id)
                if stored_headline is None:
                    lost["cvs"] += 1
                elif stored_headline != headline:
                    lost["cv updates"] += 1
    engine.dispose()
    return {"lost": lost, "duplicated": duplicated}


def pending_work(url: str) -> dict[str, int]:
    """Background work not done yet: CVs not embedded, outbox rows, missing notifications."""
    engine = create_engine(url)
    with engine.connect() as conn:
        stale = conn.scalar(
            text("SELECT count(*) FROM cv WHERE indexed_hash IS DISTINCT FROM text_hash")
        )
        outbox = conn.scalar(text("SELECT count(*) FROM outbox_message WHERE sent_at IS NULL"))
        unnotified = conn.scalar(
            text(
                "SELECT count(*) FROM job_order o WHERE o.forwarded_to_organisation_id IS NOT NULL"
                " AND NOT EXISTS (SELECT 1 FROM job_order_notification n WHERE n.order_id = o.id"
                " AND n.kind = 'forwarded')"
            )
        )
    engine.dispose()
    return {
        "cvs_not_embedded": stale or 0,
        "outbox_unsent": outbox or 0,
        "forwards_without_notification": unnotified or 0,
    }
