"""matching service tables: CV bank and case facts

Revision ID: 0003_matching
Revises: 0002_joborders
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_matching"
down_revision: str | None = "0002_joborders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cv",
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("vector_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("headline", sa.String(length=200), nullable=False),
        sa.Column("searchable", sa.Boolean(), nullable=False),
        sa.Column("postal_code", sa.String(length=4), nullable=True),
        sa.Column("max_commute_km", sa.Float(), nullable=True),
        sa.Column("weekly_hours", sa.Float(), nullable=True),
        sa.Column("available_from", sa.Date(), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("occupation_uri", sa.String(length=200), nullable=True),
        sa.Column("isco_group", sa.String(length=8), nullable=True),
        sa.Column("occupations", sa.JSON(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("indexed_hash", sa.String(length=64), nullable=True),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cv")),
        sa.UniqueConstraint("external_id", name=op.f("uq_cv_external_id")),
        sa.UniqueConstraint("vector_id", name=op.f("uq_cv_vector_id")),
    )
    with op.batch_alter_table("cv", schema=None) as batch_op:
        batch_op.create_index("ix_cv_updated_at", ["updated_at"], unique=False)

    op.create_table(
        "cv_case_facts",
        sa.Column("cv_id", sa.Uuid(), nullable=False),
        sa.Column("akasse_organisation_id", sa.Uuid(), nullable=True),
        sa.Column("unemployed_since", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["akasse_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_cv_case_facts_akasse_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["cv_id"], ["cv.id"], name=op.f("fk_cv_case_facts_cv_id_cv"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("cv_id", name=op.f("pk_cv_case_facts")),
    )
    with op.batch_alter_table("cv_case_facts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cv_case_facts_akasse_organisation_id"),
            ["akasse_organisation_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("cv_case_facts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cv_case_facts_akasse_organisation_id"))
    op.drop_table("cv_case_facts")
    with op.batch_alter_table("cv", schema=None) as batch_op:
        batch_op.drop_index("ix_cv_updated_at")
    op.drop_table("cv")
