"""A failed SQL statement is logged with its SQL but without the values it carried."""

import io
import json
import logging

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError

from shared import db
from shared.identity.service import get_or_create_organisation
from shared.logging import JsonFormatter
from shared.models import OrgKind, Role, User
from shared.web import create_app

SECRET_NAME = "Karen Personfølsom"
SECRET_EMAIL = "karen.personfoelsom@example.dk"


def _duplicate_user() -> None:
    """Two people with one e-mail: the unique index refuses the second, values and all."""
    with db.unit_of_work() as s:
        org = get_or_create_organisation(s, name="Logtest", kind=OrgKind.JOBCENTRE)
        for _ in range(2):
            s.add(
                User(
                    email=SECRET_EMAIL,
                    name=SECRET_NAME,
                    password_hash="x",
                    organisation=org,
                    role=Role.MEDIATOR,
                )
            )
        s.flush()


def _captured(logger_name: str) -> tuple[logging.Logger, io.StringIO, logging.Handler]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    return logger, out, handler


def test_the_error_itself_hides_the_parameters(database: str) -> None:
    with pytest.raises(IntegrityError) as caught:
        _duplicate_user()
    text = str(caught.value)
    assert "INSERT INTO app_user" in text
    assert SECRET_NAME not in text
    assert "hidden" in text


def test_a_logged_sql_error_has_the_statement_but_no_values(database: str) -> None:
    logger, out, handler = _captured("jobbro.test.sql")
    try:
        try:
            _duplicate_user()
        except IntegrityError as exc:
            logger.exception("could not store %s", exc)
    finally:
        logger.removeHandler(handler)
    [line] = out.getvalue().splitlines()
    entry = json.loads(line)
    assert "INSERT INTO app_user" in entry["exception"]
    assert "INSERT INTO app_user" in entry["message"]
    # PostgreSQL repeats the key in its DETAIL; neither it nor the name may reach the log.
    assert SECRET_NAME not in line
    assert SECRET_EMAIL not in line


failing = APIRouter()


@failing.get("/api/fail-sql")
def fail_sql() -> None:
    _duplicate_user()


def test_the_server_error_log_line_has_no_values(database: str) -> None:
    _, out, handler = _captured("jobbro.http")
    client = TestClient(create_app("t", "t", [failing]), raise_server_exceptions=False)
    try:
        assert client.get("/api/fail-sql").status_code == 500
    finally:
        logging.getLogger("jobbro.http").removeHandler(handler)
    logged = out.getvalue()
    assert "unhandled error" in logged
    assert "IntegrityError" in logged
    assert SECRET_NAME not in logged
    assert SECRET_EMAIL not in logged
