"""CV bank version: one counter that every change to the cv table bumps

Searches keep the CV bank in memory and must notice any change to it. Counting the
rows and reading the newest timestamp scans the whole table on every search; a
counter bumped by triggers costs one primary-key read and catches every writer
(the API, bulk ingest, indexing, maintenance SQL).

Revision ID: 0004_cv_bank_version
Revises: 0003_matching
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_cv_bank_version"
down_revision: str | None = "0003_matching"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERBS = ("INSERT", "UPDATE", "DELETE")


def upgrade() -> None:
    op.create_table(
        "cv_bank_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cv_bank_state")),
    )
    op.execute("INSERT INTO cv_bank_state (id, version) VALUES (1, 0)")
    bump = "UPDATE cv_bank_state SET version = version + 1 WHERE id = 1"
    if op.get_bind().dialect.name == "postgresql":
        # A deferred constraint trigger bumps the counter while the transaction
        # commits, once per transaction (a transaction-local setting remembers it).
        # Bumping inside the statement would hold the counter's row lock from then
        # until commit: two transactions writing overlapping CVs could deadlock on
        # it and every CV write would queue behind a long bulk ingest.
        op.execute(
            "CREATE FUNCTION cv_bank_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN "
            "IF current_setting('jobbro.cv_bank_bumped', true) "
            "IS DISTINCT FROM txid_current()::text THEN "
            "PERFORM set_config('jobbro.cv_bank_bumped', txid_current()::text, true); "
            f"{bump}; "
            "END IF; "
            "RETURN NULL; END $$"
        )
        op.execute(
            "CREATE CONSTRAINT TRIGGER cv_bank_changed AFTER INSERT OR UPDATE OR DELETE ON cv "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cv_bank_bump()"
        )
        op.execute(
            "CREATE TRIGGER cv_bank_truncated AFTER TRUNCATE ON cv "
            "FOR EACH STATEMENT EXECUTE FUNCTION cv_bank_bump()"
        )
        return
    for verb in VERBS:
        op.execute(f"CREATE TRIGGER cv_bank_{verb.lower()} AFTER {verb} ON cv BEGIN {bump}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS cv_bank_changed ON cv")
        op.execute("DROP TRIGGER IF EXISTS cv_bank_truncated ON cv")
        op.execute("DROP FUNCTION IF EXISTS cv_bank_bump()")
    else:
        for verb in VERBS:
            op.execute(f"DROP TRIGGER IF EXISTS cv_bank_{verb.lower()}")
    op.drop_table("cv_bank_state")
