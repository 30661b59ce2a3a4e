"""The CV bank: CVs in from the CV source, CV reads for staff who may see them."""

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.matching import policy
from services.matching.contract import (
    CaseFactsOut,
    CvSummary,
)
from services.matching.cvbank import contact
from services.matching.cvbank.schemas import (
    CvBody,
    CvContent,
    CvOut,
    UpsertResult,
)
from services.matching.models import Cv, CvCaseFacts, vector_id_for
from services.matching.occupations.link import cv_title_links, isco_of
from services.matching.search.text_builder import BUILDER_VERSION, cv_embedding_text
from shared import audit
from shared.actor import Actor
from shared.context import request_id_var
from shared.db import after_commit, utcnow
from shared.errors import NotFound, ValidationFailed
from shared.models import Organisation, OrgKind
from shared.tasks import celery_app, send_after_commit

log = logging.getLogger(__name__)

EMBED_TASK = "matching.embed_cvs"
REMOVE_TASK = "matching.remove_vectors"
# Ids per embedding task: big enough to batch well, small enough for the task time limit.
EMBED_TASK_CHUNK = 1000
# -- reading -------------------------------------------------------------------------------


def cv_summary(cv: Cv, facts: CvCaseFacts | None) -> CvSummary:
    """What other services see of a CV (search results, candidates): no content, no case
    facts beyond the a-kasse that may see it."""
    return CvSummary(
        id=cv.id,
        name=cv.name,
        headline=cv.headline,
        postal_code=cv.postal_code,
        akasse_organisation_id=facts.akasse_organisation_id if facts else None,
        external_id=cv.external_id,
    )


def get_cv_summary(session: Session, actor: Actor, cv_id: uuid.UUID) -> CvSummary:
    """A CV's summary, if the actor may see it; the read is audited."""
    cv = policy.load_visible_cv(session, actor, cv_id, action="cv.read")
    audit.record(session, actor, "cv.read", subject_type="cv", subject_id=cv.id, detail="summary")
    return cv_summary(cv, session.get(CvCaseFacts, cv.id))


def get_cv(session: Session, actor: Actor, cv_id: uuid.UUID) -> CvOut:
    """The whole CV with its case facts, if the actor may see it; the read is audited."""
    cv = policy.load_visible_cv(session, actor, cv_id, action="cv.read")
    facts = session.get(CvCaseFacts, cv.id)
    audit.record(session, actor, "cv.read", subject_type="cv", subject_id=cv.id, detail="full")
    return CvOut(
        **cv.document,
        id=cv.id,
        external_id=cv.external_id,
        case_facts=CaseFactsOut(
            akasse_organisation_id=facts.akasse_organisation_id,
            unemployed_since=facts.unemployed_since,
        )
        if facts
        else None,
        occupation_uri=cv.occupation_uri,
        isco_group=cv.isco_group,
        indexed=cv.indexed_hash == cv.text_hash,
        created_at=cv.created_at,
        updated_at=cv.updated_at,
    )


# -- writing -------------------------------------------------------------------------------


def model_name() -> str:
    """The embedding model's name as hashes record it, without loading the model."""
    from services.matching.index.embedding import resolve_model_path
    from shared.errors import ServiceUnavailable
    from shared.settings import get_matching_settings

    try:
        return resolve_model_path().name
    except ServiceUnavailable:
        return get_matching_settings().model_path.name


def content_hash(content: CvContent, model: str | None = None) -> str:
    """Hash of the text that is embedded for this content under the current model."""
    from services.matching.index.embedding import text_hash

    return text_hash(cv_embedding_text(content), model or model_name(), BUILDER_VERSION)


def _titles(content: CvContent) -> list[tuple[str, str | None, str]]:
    """(title, given ESCO uri, source field) for each desired job and experience."""
    out: list[tuple[str, str | None, str]] = [
        (j.title, j.occupation_uri, "desired_jobs") for j in content.desired_jobs
    ]
    out += [(e.title, e.occupation_uri, "experience") for e in content.experience]
    return out


def resolve_occupations(
    contents: list[CvContent], previous: list[Cv | None]
) -> list[list[list[str]]]:
    """Occupations per CV as [uri, isco, field, title]; unchanged titles reuse what is stored."""
    results: list[list[list[str]] | None] = []
    wanted: list[str] = []
    for content, old in zip(contents, previous, strict=True):
        titles = _titles(content)
        if old is not None and _titles(CvContent.model_validate(old.document)) == titles:
            results.append(list(old.occupations))
            continue
        results.append(None)
        wanted += [t for t, uri, _ in titles if not uri]
    unique = list(dict.fromkeys(wanted))
    by_title = dict(zip(unique, cv_title_links(unique), strict=True)) if unique else {}
    out: list[list[list[str]]] = []
    for content, done in zip(contents, results, strict=True):
        if done is not None:
            out.append(done)
            continue
        occs: list[list[str]] = []
        for title, uri, field in _titles(content):
            if uri:
                occs.append([uri, isco_of(uri) or "", field, title])
            else:
                # A label several occupations share links to each likely owner.
                occs += [[x.uri, x.isco_group, field, title] for x in by_title.get(title, [])]
        out.append(occs)
    return out


@dataclass
class _Applied:
    cv: Cv
    created: bool
    changed: bool
    text_changed: bool
    needs_embedding: bool


def cv_columns(
    content: CvContent, occupations: list[list[str]], model: str | None = None
) -> dict[str, Any]:
    """The `cv` row's values for this content: what filters read, the document, its hash."""
    desired = [o for o in occupations if o[2] == "desired_jobs"]
    first = desired[0] if desired else (occupations[0] if occupations else None)
    return {
        "name": content.name,
        "headline": content.headline,
        "searchable": content.searchable,
        "postal_code": content.postal_code,
        "max_commute_km": content.max_commute_km,
        "weekly_hours": content.weekly_hours,
        "available_from": content.available_from,
        "document": content.model_dump(mode="json"),
        "occupation_uri": first[0] if first else None,
        "isco_group": (first[1] or None) if first else None,
        "occupations": occupations,
        "text_hash": content_hash(content, model),
    }


def apply_cv(
    session: Session, external_id: str, body: CvBody, occupations: list[list[str]], old: Cv | None
) -> _Applied:
    content = body.content()
    values = cv_columns(content, occupations)
    new_hash = values["text_hash"]
    created = old is None
    old_hash = old.text_hash if old is not None else None
    if old is None:
        cv_id = uuid.uuid4()
        cv = Cv(id=cv_id, external_id=external_id, vector_id=vector_id_for(cv_id), **values)
        session.add(cv)
        changed = True
    else:
        cv = old
        changed = any(getattr(cv, k) != v for k, v in values.items())
        if changed:
            for k, v in values.items():
                setattr(cv, k, v)
            cv.updated_at = utcnow()
    if body.case_facts is not None:
        facts = None if created else session.get(CvCaseFacts, cv.id)
        cf = body.case_facts
        _check_akasse(session, cf.akasse_organisation_id)
        if facts is None:
            session.flush()
            session.add(
                CvCaseFacts(
                    cv_id=cv.id,
                    akasse_organisation_id=cf.akasse_organisation_id,
                    unemployed_since=cf.unemployed_since,
                )
            )
            changed = True
        elif (facts.akasse_organisation_id, facts.unemployed_since) != (
            cf.akasse_organisation_id,
            cf.unemployed_since,
        ):
            facts.akasse_organisation_id = cf.akasse_organisation_id
            facts.unemployed_since = cf.unemployed_since
            changed = True
    if body.contact is not None:
        session.flush()
        changed = contact.apply_contact(session, cv.id, body.contact) or changed
    session.flush()
    return _Applied(cv, created, changed, old_hash != new_hash, cv.indexed_hash != new_hash)


def _check_akasse(session: Session, organisation_id: uuid.UUID | None) -> None:
    if organisation_id is None:
        return
    org = session.get(Organisation, organisation_id)
    if org is None or org.kind is not OrgKind.AKASSE:
        raise ValidationFailed(
            f"case_facts.akasse_organisation_id: no a-kasse with id {organisation_id}"
        )


# Without a broker, tasks run in-process. Inside an HTTP request that would make the
# CV source wait for the model, so there they run on one background thread instead.
_background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jobbro-embed")


def _embed_in_background(cv_ids: list[str]) -> None:
    def run() -> None:
        try:
            celery_app.tasks[EMBED_TASK].apply(args=(cv_ids,))
        except Exception:  # the CVs stay pending; reconcile picks them up
            log.exception("background embedding of %d CVs failed", len(cv_ids))

    _background.submit(run)


def drain_background() -> None:
    """Wait until in-process background embedding queued so far has finished."""
    _background.submit(lambda: None).result()


def queue_embedding(session: Session, cv_ids: list[uuid.UUID]) -> None:
    in_request = request_id_var.get() is not None
    for start in range(0, len(cv_ids), EMBED_TASK_CHUNK):
        chunk = [str(i) for i in cv_ids[start : start + EMBED_TASK_CHUNK]]
        if celery_app.conf.task_always_eager and in_request:
            celery_app.loader.import_default_modules()
            after_commit(session, lambda c=chunk: _embed_in_background(c))  # type: ignore[misc]
        else:
            send_after_commit(session, EMBED_TASK, chunk)


def upsert_cv(session: Session, actor: Actor, *, external_id: str, body: CvBody) -> UpsertResult:
    """Create or replace the CV with this external id; re-embed only if its text changed."""
    policy.require_cv_source(actor, action="cv.upsert")
    old = session.scalar(select(Cv).where(Cv.external_id == external_id))
    content = body.content()
    occupations = resolve_occupations([content], [old])[0]
    applied = apply_cv(session, external_id, body, occupations, old)
    if applied.changed:
        audit.record(session, actor, "cv.upsert", subject_type="cv", subject_id=applied.cv.id)
    if applied.needs_embedding:
        queue_embedding(session, [applied.cv.id])
    return UpsertResult(
        id=applied.cv.id,
        external_id=external_id,
        created=applied.created,
        text_changed=applied.text_changed,
    )


def delete_cv(session: Session, actor: Actor, *, external_id: str) -> None:
    """Remove a CV, its case facts and (after commit) its vector."""
    policy.require_cv_source(actor, action="cv.delete")
    cv = session.scalar(select(Cv).where(Cv.external_id == external_id))
    if cv is None:
        raise NotFound(f"No CV with external id {external_id!r}")
    vector_id = cv.vector_id
    audit.record(session, actor, "cv.delete", subject_type="cv", subject_id=cv.id)
    session.execute(delete(CvCaseFacts).where(CvCaseFacts.cv_id == cv.id))
    contact.delete_contact(session, cv.id)
    session.delete(cv)
    session.flush()
    send_after_commit(session, REMOVE_TASK, [vector_id])
