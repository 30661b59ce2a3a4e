"""matching service tables

Revision ID: 0003_matching
Revises: 0002_joborders
"""

from collections.abc import Sequence

revision: str = "0003_matching"
down_revision: str | None = "0002_joborders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
