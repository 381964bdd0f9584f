"""Reconciliations a merchant starts from the admin's Activity and health page, with their progress.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 09:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'reconcile_runs',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('since', sa.DateTime(timezone=True), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=True),
        sa.Column('summary', sa.JSON().with_variant(JSONB(), 'postgresql'), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('requested_by', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_reconcile_runs_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reconcile_runs')),
    )
    op.create_index('ix_reconcile_runs_shop_id_created_at', 'reconcile_runs', ['shop_id', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_reconcile_runs_shop_id_created_at', table_name='reconcile_runs')
    op.drop_table('reconcile_runs')
