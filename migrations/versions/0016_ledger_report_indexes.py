"""Reports read a shop's ledger by date (redemptions over time: 42 ms to 6 ms in the database for a month of a
million-entry ledger, bench/reports.py) and by booking (late cancellations, the customer's summary).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 07:30:00
"""
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_ledger_entries_shop_id_created_at', 'ledger_entries', ['shop_id', 'created_at'])
    op.create_index('ix_ledger_entries_booking_id', 'ledger_entries', ['booking_id'])


def downgrade() -> None:
    op.drop_index('ix_ledger_entries_booking_id', table_name='ledger_entries')
    op.drop_index('ix_ledger_entries_shop_id_created_at', table_name='ledger_entries')
