"""Nøgletal: STAR's job-order measures per period, with a small server-rendered chart."""

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from markupsafe import Markup
from starlette.responses import Response

from services.joborders.indicators import service as indicator_service
from services.joborders.orders.deadlines import today
from services.web.charts import Series, bar_chart
from services.web.common import WebSession
from services.web.templating import MONTHS_DA, render
from shared.auth import CurrentActor

router = APIRouter(include_in_schema=False)

PERIODS = {"maaned": "Måned", "kvartal": "Kvartal", "aar": "År"}


def periods(kind: str, count: int, on: date) -> list[tuple[str, date, date]]:
    """The last `count` whole or running periods up to `on`, oldest first, with a label."""
    out: list[tuple[str, date, date]] = []
    year, month = on.year, on.month
    if kind == "aar":
        for y in range(on.year - count + 1, on.year + 1):
            out.append((str(y), date(y, 1, 1), date(y, 12, 31)))
        return out
    step = 3 if kind == "kvartal" else 1
    month = ((month - 1) // step) * step + 1
    for _ in range(count):
        start = date(year, month, 1)
        end_month, end_year = month + step, year
        if end_month > 12:
            end_month, end_year = end_month - 12, year + 1
        end = date(end_year, end_month, 1) - timedelta(days=1)
        label = (
            f"K{(month - 1) // 3 + 1} {year}"
            if kind == "kvartal"
            else f"{MONTHS_DA[month - 1]} {year}"
        )
        out.append((label, start, end))
        month -= step
        if month < 1:
            month, year = month + 12, year - 1
    return list(reversed(out))


@router.get("/noegletal")
def indicators_page(
    request: Request,
    session: WebSession,
    actor: CurrentActor,
    periode: Annotated[str, Query()] = "maaned",
) -> Response:
    """Orders, positions, share with a referral and share of those ending in a hire."""
    if periode not in PERIODS:
        periode = "maaned"
    count = {"maaned": 6, "kvartal": 4, "aar": 3}[periode]
    rows = []
    for label, start, end in periods(periode, count, today()):
        rows.append(
            (
                label,
                indicator_service.indicators(session, actor, date_from=start, date_to=end),
            )
        )
    labels = [label for label, _ in rows]
    volume = bar_chart(
        labels,
        [
            Series("Jobordrer", [float(i.orders) for _, i in rows], "#1f5fa8"),
            Series("Stillinger", [float(i.positions) for _, i in rows], "#8a5a00"),
        ],
        title="Antal jobordrer og stillinger pr. periode",
    )
    shares = bar_chart(
        labels,
        [
            Series(
                "Andel med henvisning",
                [i.share_with_referral or 0.0 for _, i in rows],
                "#1f5fa8",
            ),
            Series("Andel med ansættelse", [i.share_with_hire or 0.0 for _, i in rows], "#1b6e3a"),
        ],
        title="Andel jobordrer med henvisning af ledig og andel af dem med ansættelse",
        percent=True,
    )
    return render(
        request,
        "indicators.html",
        actor,
        session=session,
        nav_active="indicators",
        rows=rows,
        periode=periode,
        PERIODS=PERIODS,
        # The SVG is built from numbers and escaped labels only.
        volume_chart=Markup(volume),
        share_chart=Markup(shares),
    )
