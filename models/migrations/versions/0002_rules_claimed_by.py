"""outbound_message.claimed_by: the delivery run holding a 'sending' row (was text inside last_error)

Revision ID: 0002_rules
Revises: 0002_plandata
Create Date: 2026-12-01 17:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0002_rules"
down_revision = "0002_plandata"  # re-chained after main's 0002_scale and 0002_plandata when main was merged
branch_labels = None
depends_on = None

# Rows claimed before this migration name their run in last_error: "delivering (run <id>)".
# (The state column is an enum on PostgreSQL, text on SQLite: it is compared as text.)
_PREFIX = "delivering (run "


def upgrade() -> None:
    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", AutoString(), nullable=True))
    # A row still 'sending' keeps its holder, so a later run can settle it from that run's journal.
    op.execute(
        sa.text(
            "UPDATE outbound_message"
            " SET claimed_by = substr(last_error, :start, length(last_error) - :start), last_error = NULL"
            " WHERE CAST(state AS VARCHAR(20)) = 'sending' AND last_error LIKE :pattern"
        ).bindparams(start=len(_PREFIX) + 1, pattern=_PREFIX + "%)")
    )


def downgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE outbound_message SET last_error = :prefix || claimed_by || ')'"
            " WHERE CAST(state AS VARCHAR(20)) = 'sending' AND claimed_by IS NOT NULL"
        ).bindparams(prefix=_PREFIX)
    )
    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.drop_column("claimed_by")
