"""The booking domain's errors: each carries a machine-readable code and the HTTP status the edge maps it to."""
from __future__ import annotations


class BookingError(Exception):
    """A booking rule said no. Views turn it into `{error, code, field?}` with `status`."""

    code: str = "booking_error"
    status: int = 409
    default_message: str = "the booking could not be completed"

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
    code = "slot_unavailable"
    default_message = "slot no longer available"


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


class NotFound(BookingError):
    code = "not_found"
    status = 404
    default_message = "not found"


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


class SellingPlanAlreadyMapped(BookingError):
    """A Shopify selling plan starts at most one membership plan per shop, so a contract is never ambiguous."""

    code = "selling_plan_already_mapped"
    default_message = "this selling plan already starts a membership plan"
