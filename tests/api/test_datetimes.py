"""Every time the API answers with carries its offset, on SQLite as on PostgreSQL."""

import re
from datetime import datetime
from typing import Any

from fastapi import FastAPI

from tests.joborders.helpers import HttpAs, World, world

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def _times(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [t for v in value.values() for t in _times(v)]
    if isinstance(value, list):
        return [t for v in value for t in _times(v)]
    return [value] if isinstance(value, str) and TIME.match(value) else []


def test_create_and_read_answer_with_the_same_aware_times(app: FastAPI, database: str) -> None:
    w: World = world()
    http = HttpAs(app, w.mediator)
    created = http.post("/api/orders", json={"employer_name": "Djurs A/S", "title": "Smed"})
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    answers = [
        created.json(),
        http.get(f"/api/orders/{order_id}").json(),
        http.get("/api/orders").json(),
        http.get(f"/api/orders/{order_id}/log").json(),
    ]
    times = [t for a in answers for t in _times(a)]
    assert len(times) >= 6
    for t in times:
        assert datetime.fromisoformat(t.replace("Z", "+00:00")).tzinfo is not None, t
    assert created.json()["received_at"] == answers[1]["received_at"]
