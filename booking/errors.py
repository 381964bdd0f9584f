"""The booking domain's errors: each carries a machine-readable code and the HTTP status the edge maps it to."""
from __future__ import annotations


class BookingError(Exception):
    """A booking rule said no. Views turn it into `{error, code, field?}` with `status`."""

    code: str = "booking_error"
    status: int = 409
    default_message: str = "the booking could not be completed"
    session_start = None  # set by book_sessions: which of several sessions was refused (a UTC datetime)

    def __init__(self, message: str | None = None, *, field: str | None = None):
        self.message = message or self.default_message
        self.field = field
        super().__init__(self.message)

    def as_body(self) -> dict:
        body = {"error": self.message, "code": self.code}
        if self.field is not None:
            body["field"] = self.field
        return body


class SlotUnavailable(BookingError):
    """The time is on offer in principle, but taken: by another booking, its buffers, or a full class."""

    code = "slot_unavailable"
    default_message = "slot no longer available"


class TimeNotOffered(BookingError):
    """A time the calendar does not offer; the subclass says why, so a form can say it too."""

    code = "time_not_offered"
    default_message = "that time is not offered"


class InThePast(TimeNotOffered):
    code = "in_the_past"
    default_message = "that time has already passed"


class TooShortNotice(TimeNotOffered):
    code = "short_notice"
    default_message = "that time is too soon to book"


class BeyondHorizon(TimeNotOffered):
    code = "beyond_horizon"
    default_message = "that time is too far ahead to book yet"


class ClosedDay(TimeNotOffered):
    code = "closed"
    default_message = "closed that day"


class OutsideHours(TimeNotOffered):
    code = "outside_hours"
    default_message = "the session would not fit inside opening hours"


class OffGrid(TimeNotOffered):
    code = "off_grid"
    default_message = "sessions start on the calendar's times only"


class NotPerformed(BookingError):
    """The resource does not perform the service (a therapist who does not do Thai massage)."""

    code = "not_performed"
    default_message = "this resource does not perform that service"


class BookingsAffected(BookingError):
    """A change would leave confirmed bookings outside a resource's hours or services."""

    code = "bookings_affected"
    default_message = "confirmed bookings fall outside the new hours; move them first, or send force: true"

    def __init__(self, booking_ids: list[int]):
        super().__init__(f"{len(booking_ids)} confirmed booking(s) would fall outside the new hours or services; "
                         "move or cancel them first, or send force: true to keep them and flag them for attention")
        self.booking_ids = booking_ids

    def as_body(self) -> dict:
        return {**super().as_body(), "booking_ids": self.booking_ids}


class InsufficientCredit(BookingError):
    code = "insufficient_credit"
    default_message = "not enough credit left in your package for this booking"


class OutsidePackageWindow(BookingError):
    code = "outside_package_window"
    default_message = "your package can't be used at this time"


class NotEligible(BookingError):
    code = "not_eligible"
    default_message = "your package doesn't cover this service or provider"


class EntitlementExpired(BookingError):
    code = "entitlement_expired"
    default_message = "your package has expired"


class CutoffPassed(BookingError):
    code = "cutoff_passed"
    default_message = "it's too late to change this booking"


class InvalidTransition(BookingError):
    code = "invalid_transition"
    default_message = "this booking can't change that way from its current state"


class ManagersOnly(BookingError):
    """Only the shop's named managers may do this (undo a redemption, change who the managers are)."""

    code = "managers_only"
    status = 403
    default_message = "only a manager can do this"


class NotFound(BookingError):
    code = "not_found"
    status = 404
    default_message = "not found"


class DuplicateSession(BookingError):
    """The same session twice in one request."""

    code = "duplicate_session"
    status = 422
    default_message = "this session is listed twice"


class ValidationFailed(BookingError):
    """Bad input; `field` names the exact place (e.g. "windows.times[0]") so a form can point at it."""

    code = "invalid"
    status = 422

    def __init__(self, message: str, *, field: str):
        super().__init__(message, field=field)


class VariantAlreadyMapped(BookingError):
    """A Shopify variant grants at most one plan per shop, or an order could not say what it sold."""

    code = "variant_already_mapped"
    default_message = "this variant already grants a plan"


class NotAssignable(BookingError):
    """A plan staff cannot assign by hand (a prepaid balance lives on a Shopify gift card)."""

    code = "not_assignable"
    default_message = "this plan cannot be assigned by hand"


class PlanNotForSale(BookingError):
    """A not-for-sale plan is for staff to assign: no Shopify variant or selling plan may sell it."""

    code = "plan_not_for_sale"
    default_message = "this plan is not for sale; staff assign it by hand"


class SellingPlanAlreadyMapped(BookingError):
    """A Shopify selling plan starts at most one membership plan per shop, so a contract is never ambiguous."""

    code = "selling_plan_already_mapped"
    default_message = "this selling plan already starts a membership plan"
