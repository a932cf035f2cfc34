"""outbox index for the digest: sent reminders per agency of a round, read from the index alone

Revision ID: 0002_scale
Revises: 0001
Create Date: 2026-12-01 17:10:00
"""

from alembic import op

revision = "0002_scale"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_outbound_message_round_kind_state_agency",
        "outbound_message",
        ["round_id", "kind", "state", "agency_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_outbound_message_round_kind_state_agency", table_name="outbound_message")
