"""Booking domain: settings, services, resources, plans, customers, entitlements, ledger, bookings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 08:03:03.382635
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('activity_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=50), nullable=False),
    sa.Column('subject_type', sa.String(length=30), nullable=False),
    sa.Column('subject_id', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.Column('after', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.Column('attention', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_activity_log_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_log'))
    )
    with op.batch_alter_table('activity_log', schema=None) as batch_op:
        batch_op.create_index('ix_activity_log_shop_id_created_at', ['shop_id', 'created_at'], unique=False)

    op.create_table('booking_settings',
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('slot_interval_minutes', sa.Integer(), nullable=False),
    sa.Column('min_notice_minutes', sa.Integer(), nullable=False),
    sa.Column('horizon_days', sa.Integer(), nullable=False),
    sa.Column('cancel_cutoff_hours', sa.Integer(), nullable=False),
    sa.Column('reschedule_cutoff_hours', sa.Integer(), nullable=False),
    sa.Column('hold_minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_booking_settings_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('shop_id', name=op.f('pk_booking_settings'))
    )
    op.create_table('customers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('shopify_customer_id', sa.BigInteger(), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('first_name', sa.String(length=200), nullable=True),
    sa.Column('last_name', sa.String(length=200), nullable=True),
    sa.Column('redacted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_customers_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    sa.UniqueConstraint('shop_id', 'shopify_customer_id', name=op.f('uq_customers_shop_id_shopify_customer_id'))
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index('ix_customers_shop_id_email', ['shop_id', 'email'], unique=False)

    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('terms', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('not_for_sale', sa.Boolean(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_plans_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans'))
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index('ix_plans_shop_id', ['shop_id'], unique=False)

    op.create_table('resources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('weekly_hours', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_resources_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources'))
    )
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.create_index('ix_resources_shop_id', ['shop_id'], unique=False)

    op.create_table('services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('buffer_before_minutes', sa.Integer(), nullable=False),
    sa.Column('buffer_after_minutes', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('shopify_variant_id', sa.String(length=100), nullable=True),
    sa.Column('members_only', sa.Boolean(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity >= 1', name=op.f('ck_services_capacity_positive')),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_services_duration_positive')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_services_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_services'))
    )
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.create_index('ix_services_shop_id', ['shop_id'], unique=False)

    op.create_table('entitlements',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('terms', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('order_id', sa.BigInteger(), nullable=True),
    sa.Column('line_item_id', sa.BigInteger(), nullable=True),
    sa.Column('unit_index', sa.Integer(), nullable=True),
    sa.Column('price_paid', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('active', 'expired', 'revoked')", name=op.f('ck_entitlements_status_known')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_entitlements_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_entitlements_plan_id_plans'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_entitlements_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entitlements')),
    sa.UniqueConstraint('shop_id', 'order_id', 'line_item_id', 'unit_index', name=op.f('uq_entitlements_shop_id_order_id_line_item_id_unit_index'))
    )
    with op.batch_alter_table('entitlements', schema=None) as batch_op:
        batch_op.create_index('ix_entitlements_customer_id_status', ['customer_id', 'status'], unique=False)

    op.create_table('plan_variants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('variant_id', sa.String(length=100), nullable=False),
    sa.Column('units_per_item', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_variants_plan_id_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_plan_variants_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_variants')),
    sa.UniqueConstraint('shop_id', 'variant_id', name=op.f('uq_plan_variants_shop_id_variant_id'))
    )
    with op.batch_alter_table('plan_variants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_variants_plan_id'), ['plan_id'], unique=False)

    op.create_table('resource_exceptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('closed', 'open')", name=op.f('ck_resource_exceptions_kind_known')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_resource_exceptions_ends_after_start')),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_resource_exceptions_resource_id_resources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_exceptions'))
    )
    with op.batch_alter_table('resource_exceptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resource_exceptions_resource_id'), ['resource_id'], unique=False)

    op.create_table('resource_services',
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_resource_services_resource_id_resources'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_resource_services_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('resource_id', 'service_id', name=op.f('pk_resource_services'))
    )
    op.create_table('bookings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('exclusive', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('hold_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('group_id', sa.String(length=36), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('entitlement_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('redeemed_quantity', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('held', 'confirmed', 'completed', 'cancelled', 'no_show', 'expired')", name=op.f('ck_bookings_status_known')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_bookings_ends_after_start')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_bookings_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entitlement_id'], ['entitlements.id'], name=op.f('fk_bookings_entitlement_id_entitlements'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_bookings_resource_id_resources')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_bookings_service_id_services')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_bookings_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings'))
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_customer_id_starts_at', ['customer_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_group_id'), ['group_id'], unique=False)
        batch_op.create_index('ix_bookings_resource_id_starts_at', ['resource_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_bookings_shop_id_starts_at', ['shop_id', 'starts_at'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        # The database itself refuses two overlapping bookings (buffers included) on one
        # resource for capacity-1 services, whatever the timing of the requests. Classes
        # share a slot, so they are serialized with a row lock on the resource instead.
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE bookings ADD CONSTRAINT ex_bookings_no_overlap EXCLUDE USING gist "
            "(resource_id WITH =, tstzrange(blocked_start, blocked_end, '[)') WITH &&) "
            "WHERE (exclusive AND status IN ('held', 'confirmed', 'completed', 'no_show'))")

    op.create_table('ledger_entries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('entitlement_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('booking_id', sa.BigInteger(), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('grant', 'redeem', 'restore', 'forfeit', 'adjust', 'expire', 'revoke')", name=op.f('ck_ledger_entries_kind_known')),
    sa.ForeignKeyConstraint(['entitlement_id'], ['entitlements.id'], name=op.f('fk_ledger_entries_entitlement_id_entitlements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_ledger_entries_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_entries_entitlement_id', ['entitlement_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_entries_entitlement_id')

    op.drop_table('ledger_entries')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_shop_id_starts_at')
        batch_op.drop_index('ix_bookings_resource_id_starts_at')
        batch_op.drop_index(batch_op.f('ix_bookings_group_id'))
        batch_op.drop_index('ix_bookings_customer_id_starts_at')

    op.drop_table('bookings')
    op.drop_table('resource_services')
    with op.batch_alter_table('resource_exceptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resource_exceptions_resource_id'))

    op.drop_table('resource_exceptions')
    with op.batch_alter_table('plan_variants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_variants_plan_id'))

    op.drop_table('plan_variants')
    with op.batch_alter_table('entitlements', schema=None) as batch_op:
        batch_op.drop_index('ix_entitlements_customer_id_status')

    op.drop_table('entitlements')
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_index('ix_services_shop_id')

    op.drop_table('services')
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.drop_index('ix_resources_shop_id')

    op.drop_table('resources')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index('ix_plans_shop_id')

    op.drop_table('plans')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_shop_id_email')

    op.drop_table('customers')
    op.drop_table('booking_settings')
    with op.batch_alter_table('activity_log', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_log_shop_id_created_at')

    op.drop_table('activity_log')
