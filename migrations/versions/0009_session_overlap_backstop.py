"""The database's double-booking backstop compares sessions, not blocked ranges.

Availability lets facing buffers overlap (the larger one wins: a booking blocks its buffers against the
other's session), but the exclusion constraint compared blocked ranges, so on PostgreSQL it refused slots
availability offered. Two capacity-1 sessions on one resource still never overlap; buffers stay the app's
rule, checked under the resource's row lock.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 02:00:00
"""
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

LIVE = "WHERE (exclusive AND status IN ('held', 'confirmed', 'completed', 'no_show'))"


def _replace(columns: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no exclusion constraints; BEGIN IMMEDIATE serializes bookings there
    op.execute("ALTER TABLE bookings DROP CONSTRAINT ex_bookings_no_overlap")
    op.execute("ALTER TABLE bookings ADD CONSTRAINT ex_bookings_no_overlap EXCLUDE USING gist "
               f"(resource_id WITH =, tstzrange({columns}, '[)') WITH &&) {LIVE}")


def upgrade() -> None:
    _replace("starts_at, ends_at")


def downgrade() -> None:
    _replace("blocked_start, blocked_end")
