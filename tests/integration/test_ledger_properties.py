"""Random sequences of booking operations through the real services and database keep the ledger honest."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from booking import accounts, bookings, purchases, redemptions
from booking.errors import BookingError
from booking.models import BookingSettings, PlanVariant
from booking.order_facts import OrderFacts, OrderLine
from booking.records import Booking, Entitlement, LedgerEntry
from booking.bookings import SessionRequest
from tests.support.booking import NOW, at, give_package, make_spa

SLOTS = [at(day, hour) for day in (2, 3, 4) for hour in (9, 11, 13, 15)]
operations = st.lists(st.one_of(
    st.tuples(st.just("book"), st.integers(0, len(SLOTS) - 1)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("no_show"), st.integers(0, 20)),
    st.tuples(st.just("adjust"), st.integers(-3, 3)),
), max_size=14)


def ledger_sum(session, package_id) -> Decimal:
    return session.scalar(select(func.coalesce(func.sum(LedgerEntry.quantity), 0))
                          .where(LedgerEntry.entitlement_id == package_id))


def assert_running_sums(session, package) -> None:
    """The package's running sums (what reports add up) are its ledger's, also after refused operations."""
    session.flush()
    granted = session.scalar(select(func.coalesce(func.sum(LedgerEntry.quantity), 0)).where(
        LedgerEntry.entitlement_id == package.id, LedgerEntry.kind == "grant"))
    assert (package.balance, package.granted) == (ledger_sum(session, package.id), granted)
    assert package.unit == package.terms["unit"]


def apply(session, spa, package, op, arg):
    shop_id, confirmed = spa.shop.id, _confirmed(session, package.id)
    if op == "book":
        bookings.book_sessions(session, shop_id, spa.customer, [SessionRequest(spa.service.id, spa.resource.id,
                               SLOTS[arg])], actor="customer:7001", now=NOW)
    elif op == "cancel" and confirmed:
        bookings.cancel_booking(session, shop_id, confirmed[arg % len(confirmed)].id, actor="staff:1", now=NOW)
    elif op == "no_show" and confirmed:
        target = confirmed[arg % len(confirmed)]
        bookings.mark_no_show(session, shop_id, target.id, actor="staff:1", now=target.starts_at)
    elif op == "adjust" and arg:
        accounts.adjust(session, shop_id, package.id, Decimal(arg), "property test", actor="staff:1")


def _confirmed(session, package_id):
    return list(session.scalars(select(Booking).where(Booking.entitlement_id == package_id,
                                                      Booking.status == "confirmed").order_by(Booking.id)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=operations)
def test_balance_is_never_negative_always_the_ledger_sum_and_cancelling_restores(db_session, steps):
    nested = db_session.begin_nested()  # each example is undone afterwards
    try:
        spa = make_spa(db_session)
        package = give_package(db_session, spa)
        for op, arg in steps:
            try:
                with db_session.begin_nested():
                    apply(db_session, spa, package, op, arg)
            except BookingError:
                pass  # refused operations change nothing; the checks below prove it
            remaining = accounts.entitlement_state(db_session, package).remaining
            assert remaining >= 0
            assert remaining == ledger_sum(db_session, package.id)
            assert_running_sums(db_session, package)
        before = accounts.entitlement_state(db_session, package)
        redeemed_open = sum((Decimal(b.redeemed_quantity) for b in _confirmed(db_session, package.id)), Decimal(0))
        for booking in _confirmed(db_session, package.id):
            bookings.cancel_booking(db_session, spa.shop.id, booking.id, actor="staff:1", now=NOW)
        after = accounts.entitlement_state(db_session, package)
        assert after.remaining == before.remaining + redeemed_open  # all sessions are >24 h away
    finally:
        nested.rollback()


closing_operations = st.lists(st.one_of(
    st.tuples(st.just("book"), st.integers(0, len(SLOTS) - 1)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("no_show"), st.integers(0, 20)),
    st.tuples(st.just("adjust"), st.integers(-3, 3)),
    st.tuples(st.just("revoke"), st.just(0)),
    st.tuples(st.just("expire"), st.just(0)),
    st.tuples(st.just("refund"), st.integers(0, 3)),  # a refund of the order line; the arg picks its id
    st.tuples(st.just("undo"), st.integers(0, 20)),
), max_size=16)

ORDER_ID, LINE_ID, VARIANT = 5550001, 6660001, "7770001"


def bought_package(session, spa):
    """The package as a customer gets it: from a paid order, so Shopify's refunds can take it back."""
    session.add(PlanVariant(shop_id=spa.shop.id, plan_id=spa.plan.id, variant_id=VARIANT))
    session.flush()
    line = OrderLine(LINE_ID, VARIANT, 1, Decimal("250.00"))
    purchases.grant_for_order(session, spa.shop.id, OrderFacts(
        ORDER_ID, "#1001", None, "ana@example.com", 7001, "GBP", "paid", NOW, (line,)), now=NOW)
    return session.scalar(select(Entitlement).where(Entitlement.shop_id == spa.shop.id,
                                                    Entitlement.order_id == ORDER_ID))


def _redeemed(session, package_id):
    """Bookings whose redemption may still stand (any status): what a manager might undo."""
    return list(session.scalars(select(Booking).where(Booking.entitlement_id == package_id).order_by(Booking.id)))


def apply_closing(session, spa, package, op, arg):
    if op == "refund":
        # Repeats of one refund id are Shopify's redeliveries; a new id is another refund of the line.
        purchases.record_refund(session, spa.shop.id, ORDER_ID, f"refund-{arg}", {LINE_ID: 1}, now=NOW)
    elif op == "undo":
        candidates = _redeemed(session, package.id)
        if candidates:
            redemptions.undo_redemption(session, spa.shop.id, candidates[arg % len(candidates)].id,
                                        reason="property test", actor="staff:1", now=NOW)
    elif op == "revoke":
        accounts.revoke(session, spa.shop.id, package.id, "property test", actor="staff:1")
    elif op == "expire":
        package.expires_at = NOW  # lapsed; the workers' sweep writes off what is left
        accounts.expire_lapsed(session, NOW, shop_id=spa.shop.id)
    else:
        apply(session, spa, package, op, arg)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=closing_operations, restore_rules=st.booleans())
def test_a_revoked_or_expired_package_never_gains_credit(db_session, steps, restore_rules):
    """Grant (a paid order), book, cancel, no-show, adjust, undo, refund, revoke, expire in any order: the balance
    is the ledger sum and never negative, "used" is never negative, and once the package is revoked or
    expired its balance never grows again."""
    nested = db_session.begin_nested()
    try:
        rules = {"late_cancel": "restore", "no_show": "restore"} if restore_rules else {}
        spa = make_spa(db_session, plan=rules)
        db_session.get(BookingSettings, spa.shop.id).manager_user_ids = [1]
        package = bought_package(db_session, spa)
        closed_at = None  # the balance when the package stopped being active
        for op, arg in steps:
            try:
                with db_session.begin_nested():
                    apply_closing(db_session, spa, package, op, arg)
            except BookingError:
                pass
            db_session.refresh(package)
            state = accounts.entitlement_state(db_session, package)
            remaining = state.remaining
            assert remaining >= 0 and remaining == ledger_sum(db_session, package.id)
            assert_running_sums(db_session, package)
            assert state.used >= 0 and state.bookings_held >= 0
            if package.status != "active":
                closed_at = remaining if closed_at is None else closed_at
                assert remaining <= closed_at, (op, package.status, remaining, closed_at)
    finally:
        nested.rollback()
        db_session.expunge_all()


def test_the_refund_and_undo_steps_reach_the_package(db_session):
    """The property's refund and undo steps act on the package (so the property is not vacuous)."""
    spa = make_spa(db_session)
    db_session.get(BookingSettings, spa.shop.id).manager_user_ids = [1]
    package = bought_package(db_session, spa)
    for step in (("book", 0), ("book", 1), ("undo", 0)):
        apply_closing(db_session, spa, package, *step)
    assert accounts.entitlement_state(db_session, package).used == 1
    apply_closing(db_session, spa, package, "refund", 0)
    db_session.flush()
    db_session.refresh(package)
    assert package.status == "revoked" and accounts.entitlement_state(db_session, package).remaining == 0
