"""Notes on orders and candidates, structured contact and outcome reasons, CV contact details

Revision ID: 0007_notes
Revises: 0007_contact
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_notes"
down_revision: str | None = "0007_contact"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_order_note",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author_type", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["job_order.id"], name=op.f("fk_job_order_note_order_id_job_order")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["job_order_candidate.id"],
            name=op.f("fk_job_order_note_candidate_id_job_order_candidate"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_job_order_note_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_order_note")),
    )
    op.create_index(
        op.f("ix_job_order_note_order_id"), "job_order_note", ["order_id"], unique=False
    )
    op.create_index(
        op.f("ix_job_order_note_candidate_id"), "job_order_note", ["candidate_id"], unique=False
    )
    with op.batch_alter_table("job_order_candidate") as batch:
        batch.add_column(sa.Column("contact_reason", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("outcome_reason", sa.String(length=32), nullable=True))
    op.create_table(
        "cv_contact",
        sa.Column("cv_id", sa.Uuid(), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["cv_id"], ["cv.id"], name=op.f("fk_cv_contact_cv_id_cv"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("cv_id", name=op.f("pk_cv_contact")),
    )


def downgrade() -> None:
    op.drop_table("cv_contact")
    with op.batch_alter_table("job_order_candidate") as batch:
        batch.drop_column("outcome_reason")
        batch.drop_column("contact_reason")
    op.drop_index(op.f("ix_job_order_note_candidate_id"), table_name="job_order_note")
    op.drop_index(op.f("ix_job_order_note_order_id"), table_name="job_order_note")
    op.drop_table("job_order_note")
