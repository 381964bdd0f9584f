"""Memberships: from purchases, subscription contracts or customer tags.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 08:52:17.390310
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('memberships',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('source_ref', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('period_unit', sa.String(length=6), nullable=False),
    sa.Column('period_count', sa.Integer(), nullable=False),
    sa.Column('paid_through', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failing_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_billing_key', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_memberships_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_memberships_plan_id_plans'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_memberships_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('shop_id', 'source', 'source_ref', name=op.f('uq_memberships_shop_id_source_source_ref'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index('ix_memberships_customer_id', ['customer_id'], unique=False)

    with op.batch_alter_table('entitlements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('membership_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_entitlements_membership_id_starts_at'), ['membership_id', 'starts_at'])
        batch_op.create_foreign_key(batch_op.f('fk_entitlements_membership_id_memberships'), 'memberships', ['membership_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('member_tag', sa.String(length=255), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_column('member_tag')

    with op.batch_alter_table('entitlements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_entitlements_membership_id_memberships'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_entitlements_membership_id_starts_at'), type_='unique')
        batch_op.drop_column('membership_id')

    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index('ix_memberships_customer_id')

    op.drop_table('memberships')
