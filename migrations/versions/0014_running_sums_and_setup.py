"""Each package keeps running sums of its ledger (what is left, what was granted) so reports and the home page
add up columns rather than replaying every entry; the shop's email sender, languages and setup-checklist facts.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 07:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('entitlements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('balance', sa.Numeric(precision=14, scale=2), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('granted', sa.Numeric(precision=14, scale=2), server_default='0',
                                      nullable=False))
        batch_op.create_index('ix_entitlements_shop_id_status_expires_at', ['shop_id', 'status', 'expires_at'],
                              unique=False)
    # Packages written by older releases: their sums, from the ledger.
    op.execute("UPDATE entitlements SET "
               "balance = COALESCE((SELECT SUM(quantity) FROM ledger_entries e "
               "WHERE e.entitlement_id = entitlements.id), 0), "
               "granted = COALESCE((SELECT SUM(quantity) FROM ledger_entries e "
               "WHERE e.entitlement_id = entitlements.id AND e.kind = 'grant'), 0)")
    unit = "terms->>'unit'" if op.get_bind().dialect.name == 'postgresql' else "json_extract(terms, '$.unit')"
    op.execute(f"UPDATE entitlements SET unit = {unit}")
    with op.batch_alter_table('booking_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_from_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('reply_to', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('languages', sa.JSON().with_variant(JSONB(), 'postgresql'), nullable=True))
        batch_op.add_column(sa.Column('order_link_opened_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('test_email_sent_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('booking_settings', schema=None) as batch_op:
        for column in ('test_email_sent_at', 'order_link_opened_at', 'languages', 'reply_to', 'mail_from_name'):
            batch_op.drop_column(column)
    with op.batch_alter_table('entitlements', schema=None) as batch_op:
        batch_op.drop_index('ix_entitlements_shop_id_status_expires_at')
        batch_op.drop_column('granted')
        batch_op.drop_column('balance')
        batch_op.drop_column('unit')
