"""What the liability report must say, replayed from every package's own ledger (accounts.entitlement_state), never
from the running sums the report adds up: the API and browser tests compare the two."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from booking import accounts
from booking.records import Entitlement


def liability_from_ledgers(session, shop_id: int) -> list[dict]:
    """The report's rows: live packages (active and not past their end) that still hold a countable quantity, per
    plan, unit, month of the last valid day and currency; each valued at price paid × left ÷ granted, to the cent."""
    session.expire_all()
    zone, now, lines = accounts.shop_zone(session, shop_id), datetime.now(timezone.utc), {}
    for row in session.scalars(select(Entitlement).where(Entitlement.shop_id == shop_id)):
        state = accounts.entitlement_state(session, row)
        lapsed = row.expires_at is not None and row.expires_at <= now
        if row.status != "active" or lapsed or state.remaining is None or state.remaining <= 0:
            continue
        month = "never" if row.expires_at is None else (row.expires_at - timedelta(microseconds=1)).astimezone(
            zone).strftime("%Y-%m")
        line = lines.setdefault((state.terms.title, state.terms.ledger_unit, month, row.currency),
                                [0, Decimal(0), Decimal(0)])
        line[0] += 1
        line[1] += state.remaining
        if row.price_paid is not None and state.granted:
            line[2] += (row.price_paid * state.remaining / state.granted).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return sorted(({"plan": plan, "unit": unit, "expires": month, "packages": count, "owed": accounts.plain(owed),
                    "value": f"{value:.2f}", "currency": currency}
                   for (plan, unit, month, currency), (count, owed, value) in lines.items()),
                  key=lambda r: (r["expires"], r["plan"], r["unit"], r["currency"] or ""))
