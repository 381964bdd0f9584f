"""Emails Packbook owes customers, each sent once (unique per shop, kind and subject), and the shop's reminder
timing.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 05:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'outgoing_emails',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('subject_key', sa.String(length=200), nullable=False),
        sa.Column('recipient', sa.String(length=320), nullable=False),
        sa.Column('locale', sa.String(length=20), nullable=False),
        sa.Column('data', sa.JSON().with_variant(JSONB(), 'postgresql'), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_outgoing_emails_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_emails')),
        sa.UniqueConstraint('shop_id', 'kind', 'subject_key', name=op.f('uq_outgoing_emails_shop_id_kind_subject_key')),
    )
    op.create_index('ix_outgoing_emails_status_created_at', 'outgoing_emails', ['status', 'created_at'])
    with op.batch_alter_table('booking_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_hours', sa.Integer(), server_default='24', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('booking_settings', schema=None) as batch_op:
        batch_op.drop_column('reminder_hours')
    op.drop_index('ix_outgoing_emails_status_created_at', table_name='outgoing_emails')
    op.drop_table('outgoing_emails')
