"""The shop's booking rules: time zone, slot interval, notice, horizon and cutoffs."""
from __future__ import annotations

from flask import g, jsonify

import db
from booking import accounts
from booking.api import bp, json_body
from shopify_app.auth import shop_required


@bp.get("/settings")
@shop_required
def get_settings():
    """The shop's booking settings (created from the shop's own time zone on first use)."""
    settings = accounts.booking_settings(db.session(), g.shop.id)
    db.session().commit()
    return jsonify(accounts.settings_json(settings))


@bp.patch("/settings")
@shop_required
def patch_settings():
    """Change some of the booking settings; a bad field answers 422 naming it."""
    session = db.session()
    settings = accounts.update_booking_settings(session, g.shop.id, json_body())
    session.commit()
    return jsonify(accounts.settings_json(settings))
