"""Customer-facing pages reached from the link in Shopify's order email."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from booking.links import InvalidLink, read_customer_link

bp = Blueprint("booking", __name__)


@bp.get("/c/<token>")
def customer_home(token: str):
    """A customer's page: who they are at which shop; packages and the calendar build on it."""
    try:
        link = read_customer_link(current_app.config["SECRET_KEY"], token)
    except InvalidLink as exc:
        return render_template("booking/link_error.html", reason=exc.reason), 403
    return render_template("booking/customer_home.html", link=link)
