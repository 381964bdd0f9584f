"""Customer-facing pages reached from the link in Shopify's order email."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import select

import db
from booking.accounts import packages_for
from booking.prepaid import prepaid_balances
from booking.rules.links import InvalidLink, read_customer_link
from booking.records import Customer
from db import utcnow
from shopify_app.models import Shop

bp = Blueprint("booking", __name__)


@bp.get("/c/<token>")
def customer_home(token: str):
    """A customer's page: their packages at this shop; the booking calendar builds on it."""
    try:
        link = read_customer_link(current_app.config["SECRET_KEY"], token)
    except InvalidLink as exc:
        return render_template("booking/link_error.html", reason=exc.reason), 403
    packages, balances = _holdings(link)
    return render_template("booking/customer_home.html", link=link, packages=packages, balances=balances)


def _holdings(link) -> tuple[list[dict], list[dict]]:
    """Everything the customer holds here: packages (memberships' allowances among them) and prepaid balances."""
    session = db.session()
    shop = session.scalar(select(Shop).where(Shop.domain == link.shop))
    if shop is None or not (link.customer_id or "").isdigit():
        return [], []
    customer = session.scalar(select(Customer).where(Customer.shop_id == shop.id,
                                                     Customer.shopify_customer_id == int(link.customer_id)))
    if customer is None:
        return [], []
    balances = [{"amount": row.amount, "currency": row.currency or "",
                 "left": card.balance if card else None, "last_characters": card.last_characters if card else None}
                for row, card in prepaid_balances(session, shop.id, customer)]
    return packages_for(session, shop.id, customer, utcnow()), balances
