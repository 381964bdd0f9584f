"""A bound on the units one order line grants, and gift-card codes scrubbed from events stored before the door
stripped them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 04:30:00
"""
from alembic import op
import sqlalchemy as sa



revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('booking_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_units_per_line', sa.Integer(), server_default='100', nullable=False))
    _scrub_gift_card_codes()


def without_codes(payload: dict) -> dict:
    # Frozen copy of webhooks.payloads.without_codes as it was when this ran: keep the last four characters.
    wrapped = isinstance(payload.get('gift_card'), dict)
    card = payload['gift_card'] if wrapped else payload
    kept = {key: value for key, value in card.items() if key not in ('code', 'masked_code')}
    code = card.get('code')
    if not kept.get('last_characters') and isinstance(code, str) and len(code) >= 4:
        kept['last_characters'] = code[-4:]
    return {**payload, 'gift_card': kept} if wrapped else kept


def _scrub_gift_card_codes() -> None:
    # Events are read and written one at a time: the table may be large, and only gift-card topics hold codes.
    bind = op.get_bind()
    events = sa.table('webhook_events', sa.column('id', sa.BigInteger), sa.column('topic', sa.String),
                      sa.column('payload', sa.JSON))
    rows = bind.execute(sa.select(events.c.id, events.c.topic, events.c.payload)
                        .where(events.c.topic.like('gift_cards/%'))).all()
    for event_id, _topic, payload in rows:
        cleaned = without_codes(payload or {})
        if cleaned != payload:
            bind.execute(events.update().where(events.c.id == event_id).values(payload=cleaned))


def downgrade() -> None:
    with op.batch_alter_table('booking_settings', schema=None) as batch_op:
        batch_op.drop_column('max_units_per_line')
