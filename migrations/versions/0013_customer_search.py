"""The front desk finds customers by any part of their name or email: a trigram index on PostgreSQL.

SQLite scans (its LIKE needs no index at the sizes the embedded default serves). The indexed expression is
`booking.customers.SEARCH_TEXT`, written identically here so PostgreSQL's planner matches the two.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 06:00:00
"""
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

SEARCH_TEXT = ("lower(coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || "
               "coalesce(email, ''))")


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.execute(f'CREATE INDEX ix_customers_search_trgm ON customers USING gin (({SEARCH_TEXT}) gin_trgm_ops)')


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP INDEX IF EXISTS ix_customers_search_trgm')
