"""Membership matching and access: selling plans that start memberships, the product of each
mapped variant, and which members-only services a membership plan opens.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 10:18:55.069380
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('plan_selling_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('selling_plan_id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_selling_plans_plan_id_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_plan_selling_plans_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_selling_plans')),
    sa.UniqueConstraint('shop_id', 'selling_plan_id', name=op.f('uq_plan_selling_plans_shop_id_selling_plan_id'))
    )
    with op.batch_alter_table('plan_selling_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_selling_plans_plan_id'), ['plan_id'], unique=False)

    with op.batch_alter_table('plan_variants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('product_id', sa.String(length=100), nullable=True))

    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unlocks_service_ids', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_column('unlocks_service_ids')

    with op.batch_alter_table('plan_variants', schema=None) as batch_op:
        batch_op.drop_column('product_id')

    with op.batch_alter_table('plan_selling_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_selling_plans_plan_id'))

    op.drop_table('plan_selling_plans')
