"""Migrations apply to an empty database and downgrade cleanly."""

import uuid

from sqlalchemy import create_engine, inspect, text

from shared import migrate
from tests.conftest import PG_URL, admin_pg_url


def _roundtrip(url: str) -> None:
    migrate.upgrade(url)
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    assert {"organisation", "app_user", "api_key", "audit_event"} <= tables
    engine.dispose()
    migrate.downgrade(url, "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate.upgrade(url)


def test_migrations_roundtrip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    if not PG_URL:
        _roundtrip(f"sqlite:///{tmp_path / 'm.db'}")
        return
    name = f"jobbro_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _roundtrip(admin_pg_url(PG_URL, name))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
