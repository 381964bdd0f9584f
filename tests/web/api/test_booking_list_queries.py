"""GET /api/bookings reads its services, customers and packages in bulk: the statement count stays flat
however many customers and packages a page of bookings names."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from tests.support.api import a_monday, assign, book, local, make_spa, shop_api, shopify_customers


@contextmanager
def counted(app):
    statements: list[str] = []
    engine = app.extensions["packbook.db"].engine

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_to_list(app, api) -> tuple[int, list[dict]]:
    with counted(app) as statements:
        response = api.get("/api/bookings")
    assert response.status_code == 200
    return len(statements), response.get_json()["bookings"]


def test_listing_bookings_costs_the_same_statements_for_two_customers_or_six(app, client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api), a_monday()

    def book_for(customer_id: int, hour: int) -> None:
        with shopify_customers(api.shop, {customer_id: f"c{customer_id}@example.com"}):
            assign(api, spa["plan"], customer_id=customer_id)
        assert book(api, spa, local(monday, hour), customer_id=customer_id).status_code == 201

    for n in range(2):
        book_for(8000 + n, 9 + n)
    few, listed = statements_to_list(app, api)
    assert [b["redeemed_from"]["progress"] for b in listed] == ["1 of 5 used"] * 2
    for n in range(2, 6):
        book_for(8000 + n, 9 + n)
    many, listed = statements_to_list(app, api)
    assert len(listed) == 6 and {b["customer_id"] for b in listed} == {8000 + n for n in range(6)}
    assert many == few
