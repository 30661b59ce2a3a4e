"""Why a candidate ranks where it does: matched requirements and what is missing."""

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.matching import policy
from services.matching.contract import (
    LANGUAGE_NAMES_DA,
    OrderQuery,
    RankedCandidate,
    RankedCv,
    Reason,
    danish_date,
    place_name,
)
from services.matching.cvbank.schemas import CvContent
from services.matching.models import Cv
from services.matching.search import synonyms
from services.matching.search.bank.snapshot import BankSnapshot
from services.matching.search.bank.text import TextRows, padded_words, phrase_in
from services.matching.search.query import SearchQuery

# A text counts as matching a requirement from this character n-gram cosine up.
REASON_MIN_SIMILARITY = 0.5


def _cv_items(cv: CvContent) -> list[tuple[str, str]]:
    """(field, text) of everything a requirement may be found in: every field of the CV
    that says what the person can do, the headline and summary included."""
    items = [("professional_competences", x) for x in cv.professional_competences]
    items += [("personal_competences", x) for x in cv.personal_competences]
    items += [("certificates", x) for x in cv.certificates]
    items += [("courses", c.title) for c in cv.courses]
    items += [("education", e.title) for e in cv.education]
    items += [("experience", e.tasks) for e in cv.experience if e.tasks]
    items += [("summary", cv.summary)] if cv.summary else []
    items += [("headline", cv.headline)] if cv.headline else []
    items += _title_items(cv)
    return items


class _ItemMatcher:
    """Finds, for each requirement, the CV item that holds it.

    A requirement found word for word in an item needs nothing more. For the rest, the
    similarities of the items of every CV that needs them to every requirement come
    from one sparse product (`many`); a matcher only looks up its own rows.
    """

    def __init__(
        self,
        items: list[tuple[str, str]],
        padded: list[str],
        sims: np.ndarray | None,
        columns: dict[str, int],
    ) -> None:
        self.items, self.padded, self.sims, self.columns = items, padded, sims, columns

    @staticmethod
    def many(
        rows: TextRows | None, lists: list[list[tuple[str, str]]], requirements: list[str]
    ) -> list["_ItemMatcher"]:
        wanted = list(dict.fromkeys(requirements))
        columns = {r: i for i, r in enumerate(wanted)}
        needles = [padded_words(r) for r in wanted]
        padded = [[padded_words(text) for _, text in items] for items in lists]
        # Only CVs with a requirement not found word for word need similarities.
        need = [
            bool(items) and any(not any(phrase_in(h, n) for h in hays) for n in needles)
            for items, hays in zip(lists, padded, strict=True)
        ]
        flat = [t for items, n in zip(lists, need, strict=True) if n for _, t in items]
        sims = None
        if rows is not None and flat:
            sims = (rows.matrix(flat) @ rows.matrix(wanted).T).toarray()
        out, start = [], 0
        for items, hays, needed in zip(lists, padded, need, strict=True):
            part = None
            if needed and sims is not None:
                part = sims[start : start + len(items)]
                start += len(items)
            out.append(_ItemMatcher(items, hays, part, columns))
        return out

    def best(self, requirement: str) -> tuple[str, str] | None:
        """The item that contains the requirement, else the most similar one above a floor."""
        needle = padded_words(requirement)
        for item, hay in zip(self.items, self.padded, strict=True):
            if phrase_in(hay, needle):
                return item
        column = self.columns.get(requirement)
        if column is None or self.sims is None or not self.items:
            return None
        sims = self.sims[:, column]
        best = int(np.argmax(sims))
        return self.items[best] if sims[best] >= REASON_MIN_SIMILARITY else None


def explain(
    session: Session,
    snap: BankSnapshot,
    query: SearchQuery,
    rows: np.ndarray,
    scores: np.ndarray,
    semantic: np.ndarray,
    lexical: np.ndarray,
    requirements: np.ndarray,
    req_parts: dict[str, np.ndarray],
    distances: np.ndarray | None,
) -> list[RankedCandidate]:
    ids = [snap.ids[r] for r in rows]
    cvs = {cv.id: cv for cv in session.scalars(select(Cv).where(Cv.id.in_(ids)))}
    contents = [CvContent.model_validate(cvs[i].document) for i in ids]
    title_matchers = _ItemMatcher.many(
        snap.title_rows, [_title_items(c) for c in contents], [query.fields.titles]
    )
    skills = query.order.skills if query.order is not None else []
    skill_matchers = _ItemMatcher.many(snap.skill_rows, [_cv_items(c) for c in contents], skills)
    out = []
    for i, cv_id in enumerate(ids):
        cv = cvs[cv_id]
        content = contents[i]
        matched, missing = _reasons(query, cv, content, title_matchers[i], skill_matchers[i])
        dist = None
        if distances is not None and not np.isnan(distances[i]):
            dist = round(float(distances[i]), 1)
            matched.append(
                Reason(
                    kind="distance",
                    requirement=f"workplace {query.postal_code}",
                    field="postal_code",
                    text=place_name(cv.postal_code),
                )
            )
        parts = {
            "semantic": round(float(semantic[i]), 4),
            "lexical": round(float(lexical[i]), 4),
            "requirements": round(float(requirements[i]), 4),
        }
        parts.update({f"requirements.{k}": round(float(v[i]), 4) for k, v in req_parts.items()})
        out.append(
            RankedCandidate(
                # Never the case facts: a search result does not say who is in which a-kasse.
                cv=RankedCv(
                    id=cv.id,
                    name=cv.name,
                    headline=cv.headline,
                    postal_code=cv.postal_code,
                    external_id=cv.external_id,
                ),
                score=round(float(scores[i]), 4),
                score_parts=parts,
                matched=matched,
                missing=missing,
                distance_km=dist,
            )
        )
    return out


def _title_items(cv: CvContent) -> list[tuple[str, str]]:
    return [("desired_jobs", j.title) for j in cv.desired_jobs] + [
        ("experience", e.title) for e in cv.experience
    ]


def _reasons(
    query: SearchQuery,
    cv: Cv,
    content: CvContent,
    title_matcher: _ItemMatcher,
    items: _ItemMatcher,
) -> tuple[list[Reason], list[str]]:
    matched: list[Reason] = []
    missing: list[str] = []
    if query.occupation is not None:
        uri, isco = query.occupation
        same = [o for o in cv.occupations if o[0] == uri]
        related = [o for o in cv.occupations if isco and o[1] == isco]
        if same:
            matched.append(
                Reason(kind="occupation", requirement=uri, field=same[0][2], text=same[0][3])
            )
        elif related:
            r = related[0]
            matched.append(
                Reason(kind="related_occupation", requirement=f"ISCO {isco}", field=r[2], text=r[3])
            )
    hit = title_matcher.best(query.fields.titles)
    if hit:
        matched.append(
            Reason(kind="title", requirement=query.fields.titles, field=hit[0], text=hit[1])
        )
    if query.order is not None:
        _requirement_reasons(query.order, content, items, matched, missing)
        _schedule_reasons(query.order, content, matched, missing)
    return matched, missing


def _requirement_reasons(
    order: OrderQuery,
    content: CvContent,
    items: _ItemMatcher,
    matched: list[Reason],
    missing: list[str],
) -> None:
    """Skills, certificates, licences, languages and education: held or missing.

    A requirement is missing only when no field of the CV meets it (`synonyms`): for a
    certificate the certificates field, which is what the required-certificate filter
    reads; for skills and education every field that says what the person can do."""
    every = items.items
    for skill in order.skills:
        found = synonyms.first_meeting(skill, every) or items.best(skill)
        if found:
            matched.append(Reason(kind="skill", requirement=skill, field=found[0], text=found[1]))
        else:
            missing.append(skill)
    held_certs = [("certificates", c) for c in content.certificates]
    for cert in order.certificates:
        held = synonyms.first_meeting(cert, held_certs)
        if held:
            matched.append(
                Reason(kind="certificate", requirement=cert, field="certificates", text=held[1])
            )
        else:
            missing.append(cert)
    for lic in order.driving_licences:
        if lic in content.driving_licences:
            matched.append(
                Reason(kind="driving_licence", requirement=lic, field="driving_licences", text=lic)
            )
        else:
            missing.append(f"kørekort {lic}")
    for lang in order.languages:
        spoken = next((x for x in content.languages if x.language == lang), None)
        if spoken:
            matched.append(
                Reason(
                    kind="language",
                    requirement=lang,
                    field="languages",
                    text=f"{spoken.language} ({spoken.level})",
                )
            )
        else:
            missing.append(f"sprog: {LANGUAGE_NAMES_DA.get(lang, lang)}")
    for edu in order.education:
        got = synonyms.first_meeting(edu, every)
        if got:
            matched.append(Reason(kind="education", requirement=edu, field=got[0], text=got[1]))
        else:
            missing.append(edu)


def _schedule_reasons(
    order: OrderQuery, content: CvContent, matched: list[Reason], missing: list[str]
) -> None:
    """Weekly hours and start date: met or missing (in Danish, for people)."""
    if order.weekly_hours is not None and content.weekly_hours is not None:
        if policy.hours_met(content.weekly_hours, order.weekly_hours):
            matched.append(
                Reason(
                    kind="hours",
                    requirement=f"{order.weekly_hours:g} hours/week",
                    field="weekly_hours",
                    text=f"{content.weekly_hours:g}",
                )
            )
        else:
            wanted = f"{content.weekly_hours:g}".replace(".", ",")
            needed = f"{order.weekly_hours:g}".replace(".", ",")
            missing.append(f"{needed} timer pr. uge (ønsker {wanted})")
    if order.start_date is not None:
        available = content.available_from
        if available is None or available <= order.start_date:
            matched.append(
                Reason(
                    kind="availability",
                    requirement=f"start {order.start_date.isoformat()}",
                    field="available_from",
                    # Empty: available now.
                    text=available.isoformat() if available else "",
                )
            )
        else:
            missing.append(
                f"start {danish_date(order.start_date)} (kan først starte {danish_date(available)})"
            )
