"""The 0002 migration creates exactly the tables the job-order models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import services.joborders.models  # noqa: F401  (registers the tables)
from shared import db
from shared.db import Base

OURS = ("job_order",)


def test_migrated_schema_matches_the_job_order_models(database: str) -> None:
    with db.get_engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    mine = [d for d in diff if OURS[0] in repr(d)]
    assert mine == []
