"""Undoing a redemption: an "undo" ledger kind, and the shop's managers who may do it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 03:40:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

KINDS = "'grant', 'redeem', 'restore', 'forfeit', 'adjust', 'expire', 'revoke'"


def _kinds(kinds: str) -> None:
    # SQLite cannot alter a constraint in place; batch mode copies the table with the new one.
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ledger_entries_kind_known'), type_='check')
        batch_op.create_check_constraint('kind_known', f"kind IN ({kinds})")


def upgrade() -> None:
    _kinds(KINDS + ", 'undo'")
    with op.batch_alter_table('booking_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('manager_user_ids', sa.JSON().with_variant(JSONB(), 'postgresql'),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('booking_settings', schema=None) as batch_op:
        batch_op.drop_column('manager_user_ids')
    # Dropping undo entries would change customers' balances; refuse rather than lose them.
    if op.get_bind().execute(sa.text("SELECT count(*) FROM ledger_entries WHERE kind = 'undo'")).scalar():
        raise RuntimeError("undone redemptions exist; downgrading would change balances")
    _kinds(KINDS)
