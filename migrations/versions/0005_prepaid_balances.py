"""Prepaid balances held on Shopify gift cards; plans get a kind.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 08:50:12.951197
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gift_cards',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('gift_card_id', sa.BigInteger(), nullable=False),
    sa.Column('order_id', sa.BigInteger(), nullable=True),
    sa.Column('line_item_id', sa.BigInteger(), nullable=True),
    sa.Column('last_characters', sa.String(length=8), nullable=True),
    sa.Column('balance', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('balance_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('shopify_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_gift_cards_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gift_cards')),
    sa.UniqueConstraint('shop_id', 'gift_card_id', name=op.f('uq_gift_cards_shop_id_gift_card_id'))
    )
    with op.batch_alter_table('gift_cards', schema=None) as batch_op:
        batch_op.create_index('ix_gift_cards_shop_id_order_id', ['shop_id', 'order_id'], unique=False)

    op.create_table('prepaid_balances',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('order_id', sa.BigInteger(), nullable=False),
    sa.Column('line_item_id', sa.BigInteger(), nullable=False),
    sa.Column('unit_index', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('gift_card_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_prepaid_balances_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_prepaid_balances_plan_id_plans'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_prepaid_balances_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prepaid_balances')),
    sa.UniqueConstraint('shop_id', 'order_id', 'line_item_id', 'unit_index', name=op.f('uq_prepaid_balances_shop_id_order_id_line_item_id_unit_index'))
    )
    with op.batch_alter_table('prepaid_balances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prepaid_balances_customer_id'), ['customer_id'], unique=False)

    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), server_default='package', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_column('kind')

    with op.batch_alter_table('prepaid_balances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prepaid_balances_customer_id'))

    op.drop_table('prepaid_balances')
    with op.batch_alter_table('gift_cards', schema=None) as batch_op:
        batch_op.drop_index('ix_gift_cards_shop_id_order_id')

    op.drop_table('gift_cards')
