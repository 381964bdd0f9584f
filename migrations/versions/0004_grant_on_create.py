"""Booking settings: opt in to granting orders already paid at creation.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 08:38:23.253020
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('booking_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grant_on_create', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('booking_settings', schema=None) as batch_op:
        batch_op.drop_column('grant_on_create')

