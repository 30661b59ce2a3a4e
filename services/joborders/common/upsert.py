"""INSERT ... ON CONFLICT DO NOTHING on PostgreSQL and SQLite alike."""

from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shared.db import Base


def insert_if_absent(session: Session, model: type[Base], values: dict[str, Any]) -> bool:
    """Insert a row unless a unique key already holds one; True when this call inserted it.

    A savepoint would do on PostgreSQL, but on SQLite the driver turns an outermost
    SAVEPOINT into the transaction itself and RELEASE would commit half a request.
    """
    session.flush()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, model.__table__)
    stmt = insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
    # RETURNING gives no row when the conflict skipped the insert; rowcount is not reliable.
    return session.execute(stmt).first() is not None
