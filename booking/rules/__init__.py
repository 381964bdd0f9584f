"""Pure booking rules: time ranges, opening hours, availability, plan terms, the ledger, signed links.

Nothing here touches Flask, SQLAlchemy, rq, Redis, HTTP or Shopify, and nothing reads the clock: callers pass `now`.
"""
