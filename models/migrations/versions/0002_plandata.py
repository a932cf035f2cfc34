"""plan data: every Decree 09/2019 round kind, a round's period, plan series and archiving

Revision ID: 0002_plandata
Revises: 0002_scale (re-chained after main's 0002_scale at merge)
Create Date: 2026-12-01 17:10:00
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import models.tables

revision = "0002_plandata"
down_revision = "0002_scale"
branch_labels = None
depends_on = None

OLD_KINDS = ("six_month", "annual", "ad_hoc", "budget_estimate")
NEW_KINDS = ("monthly", "quarterly", "nine_month", "other")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Outside the migration's transaction, so that a later revision in the same run may use the new values.
        with op.get_context().autocommit_block():
            for kind in NEW_KINDS:
                op.execute(f"ALTER TYPE roundkind ADD VALUE IF NOT EXISTS '{kind}'")
    # On SQLite the enum is a VARCHAR without a CHECK constraint: nothing to change.

    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("continues", AutoString(), nullable=True))
        batch_op.add_column(sa.Column("archived_at", models.tables.UTCDateTime(), nullable=True))
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("period", sa.Integer(), nullable=True))


def downgrade() -> None:
    bind = op.get_bind()
    kinds = ", ".join(f"'{k}'" for k in NEW_KINDS)
    used = bind.execute(sa.text(f"SELECT count(*) FROM round WHERE kind IN ({kinds})")).scalar()
    if used:
        # Dropping the kinds would lose those rounds' meaning; the operator decides what to do with them first.
        raise RuntimeError(f"{used} round(s) use a kind that revision 0001 does not know ({kinds}); cannot downgrade")
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.drop_column("period")
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_column("archived_at")
        batch_op.drop_column("continues")
    if bind.dialect.name == "postgresql":
        # PostgreSQL cannot drop a value from an enum type: rebuild the type with the old values.
        op.execute("ALTER TYPE roundkind RENAME TO roundkind_0002")
        sa.Enum(*OLD_KINDS, name="roundkind").create(bind)
        op.execute("ALTER TABLE round ALTER COLUMN kind TYPE roundkind USING kind::text::roundkind")
        op.execute("DROP TYPE roundkind_0002")
