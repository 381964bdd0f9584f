"""The attention list: an item a merchant has handled leaves it (activity_log resolved_at/by/note).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 10:37:29.094222
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('activity_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resolved_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('resolution_note', sa.Text(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('activity_log', schema=None) as batch_op:
        batch_op.drop_column('resolution_note')
        batch_op.drop_column('resolved_by')
        batch_op.drop_column('resolved_at')

