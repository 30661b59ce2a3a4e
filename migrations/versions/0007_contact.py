"""Joint contact process: early-offer recommendations, joint interviews, beskedmodul messages

Revision ID: 0007_contact
Revises: 0007_webhooks
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_contact"
down_revision: str | None = "0007_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_event",
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_event")),
    )
    with op.batch_alter_table("contact_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contact_event_subject", ["subject_type", "subject_id", "at"], unique=False
        )

    op.create_table(
        "beskedmodul_message",
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("sender_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sender_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_beskedmodul_message_sender_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beskedmodul_message")),
    )
    with op.batch_alter_table("beskedmodul_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_beskedmodul_message_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "joint_interview",
        sa.Column("cv_id", sa.Uuid(), nullable=False),
        sa.Column("person_name", sa.String(length=200), nullable=False),
        sa.Column("akasse_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("jobcentre_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("recommended_date", sa.Date(), nullable=False),
        sa.Column("latest_date", sa.Date(), nullable=False),
        sa.Column("listed_on", sa.Date(), nullable=False),
        sa.Column("reply_due", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "awaiting_akasse",
                "proposed",
                "jobcentre_picks",
                "confirmed",
                "held",
                "cancelled",
                name="interview_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("proposed_times", sa.JSON(), nullable=False),
        sa.Column("proposed_by_name", sa.String(length=200), nullable=True),
        sa.Column("jobseeker_wishes", sa.Text(), nullable=True),
        sa.Column("meeting_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "meeting_form",
            sa.Enum(
                "in_person", "phone", "video", name="meeting_form", native_enum=False, length=32
            ),
            nullable=True,
        ),
        sa.Column("cancelled_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["akasse_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_joint_interview_akasse_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["cv_id"], ["cv.id"], name=op.f("fk_joint_interview_cv_id_cv"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["jobcentre_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_joint_interview_jobcentre_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_joint_interview")),
        sa.UniqueConstraint(
            "cv_id",
            "period_start",
            "number",
            name=op.f("uq_joint_interview_cv_id_period_start_number"),
        ),
    )
    with op.batch_alter_table("joint_interview", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_joint_interview_akasse_organisation_id"),
            ["akasse_organisation_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_joint_interview_cv_id"), ["cv_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_joint_interview_jobcentre_organisation_id"),
            ["jobcentre_organisation_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_joint_interview_status"), ["status"], unique=False)

    op.create_table(
        "joint_interview_list",
        sa.Column("jobcentre_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("akasse_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("built_on", sa.Date(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["akasse_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_joint_interview_list_akasse_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["jobcentre_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_joint_interview_list_jobcentre_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_joint_interview_list")),
        sa.UniqueConstraint(
            "jobcentre_organisation_id",
            "akasse_organisation_id",
            name=op.f("uq_joint_interview_list_jobcentre_organisation_id_akasse_organisation_id"),
        ),
    )
    op.create_table(
        "offer_recommendation",
        sa.Column("cv_id", sa.Uuid(), nullable=False),
        sa.Column("person_name", sa.String(length=200), nullable=False),
        sa.Column("akasse_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("jobcentre_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("created_by_name", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "sent",
                "more_information",
                "granted",
                "refused",
                name="recommendation_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "offer_kind",
            sa.Enum(
                "guidance",
                "internship",
                "wage_subsidy",
                name="offer_kind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("offer_title", sa.String(length=200), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("weekly_hours", sa.Double(), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("provider_name", sa.String(length=200), nullable=False),
        sa.Column("provider_address", sa.String(length=300), nullable=False),
        sa.Column("provider_email", sa.String(length=200), nullable=False),
        sa.Column("provider_phone", sa.String(length=40), nullable=False),
        sa.Column("provider_contact", sa.String(length=200), nullable=True),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("motivation", sa.Text(), nullable=False),
        sa.Column("wants_trade_change", sa.Boolean(), nullable=False),
        sa.Column("caseworker_name", sa.String(length=200), nullable=False),
        sa.Column("caseworker_email", sa.String(length=200), nullable=False),
        sa.Column("caseworker_phone", sa.String(length=40), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_due", sa.Date(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_name", sa.String(length=200), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("vitas_reference", sa.String(length=100), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["akasse_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_offer_recommendation_akasse_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["cv_id"], ["cv.id"], name=op.f("fk_offer_recommendation_cv_id_cv"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["jobcentre_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_offer_recommendation_jobcentre_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_recommendation")),
    )
    with op.batch_alter_table("offer_recommendation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_offer_recommendation_akasse_organisation_id"),
            ["akasse_organisation_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_offer_recommendation_cv_id"), ["cv_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_offer_recommendation_jobcentre_organisation_id"),
            ["jobcentre_organisation_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_offer_recommendation_status"), ["status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("offer_recommendation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_recommendation_status"))
        batch_op.drop_index(batch_op.f("ix_offer_recommendation_jobcentre_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_offer_recommendation_cv_id"))
        batch_op.drop_index(batch_op.f("ix_offer_recommendation_akasse_organisation_id"))

    op.drop_table("offer_recommendation")
    op.drop_table("joint_interview_list")
    with op.batch_alter_table("joint_interview", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_joint_interview_status"))
        batch_op.drop_index(batch_op.f("ix_joint_interview_jobcentre_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_joint_interview_cv_id"))
        batch_op.drop_index(batch_op.f("ix_joint_interview_akasse_organisation_id"))

    op.drop_table("joint_interview")
    with op.batch_alter_table("beskedmodul_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_beskedmodul_message_subject_id"))

    op.drop_table("beskedmodul_message")
    with op.batch_alter_table("contact_event", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_event_subject")

    op.drop_table("contact_event")
