"""/api/settings: the shop's booking rules (time zone, slot interval, notice, horizon and cutoffs), its emails'
sender and languages, a test email, and the booking link to paste into Shopify's order confirmation."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Literal
from zoneinfo import available_timezones

from flask import current_app, g, jsonify
from pydantic import Field

import db
from booking import accounts, setup
from booking.accounts import SETTING_LIMITS
from booking.api import bp, staff_actor, utc_now
from endpoints import declare
from endpoints.fields import Flag, Id, refuse, value_type, whole
from endpoints.models import Answer, Body, patch_of
from shopify_app.auth import shop_required


# The zone database also lists names that are not places: the machine's own zone, POSIX rule files and
# tzdata's "Factory" placeholder. A shop's zone must be a real one, the same on every machine.
_NOT_PLACES = {"localtime", "posixrules", "Factory"}
_ZONES = frozenset(zone for zone in available_timezones()
                   if zone not in _NOT_PLACES and not zone.startswith(("posix/", "right/", "SystemV/")))


def _zone(value):
    # Only names the zone database lists: ZoneInfo() alone would also try odd keys as file paths.
    if not isinstance(value, str) or value not in _ZONES:
        raise refuse("must be an IANA time zone such as Europe/London")
    return value


Zone = value_type(str, _zone, {"type": "string", "minLength": 1, "maxLength": 64, "example": "Europe/London"})
# The zones the page offers: places, in the zone database's regions (the API also takes older aliases).
_REGIONS = ("Africa/", "America/", "Antarctica/", "Arctic/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/",
            "Pacific/")
PLACES = sorted(zone for zone in _ZONES if zone.startswith(_REGIONS)) + ["UTC"]

# An address a mail server takes without SMTPUTF8: ASCII atext before the @, a dotted host name after it.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@{_LABEL}(?:\.{_LABEL})+")


def _email(value):
    if not isinstance(value, str) or len(value.strip()) > 254 or not _EMAIL.fullmatch(value.strip()):
        raise refuse("must be an email address such as owner@example.com")
    return value.strip()


EmailAddress = value_type(str, _email, {"type": "string", "format": "email", "maxLength": 254,
                                        "example": "owner@example.com"})


# It becomes part of the From header: a line break there would break every email (and NUL, lone surrogates: the
# database refuses them).
_NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def _sender_name(value):
    if not isinstance(value, str) or len(value.strip()) > 100 or _NOT_ONE_LINE.search(value):
        raise refuse("must be text of at most 100 characters on one line")
    return value.strip() or None


SenderName = value_type(str, _sender_name, {"type": "string", "maxLength": 100, "example": "Calm Spa"})


def _languages(value):
    offered = ", ".join(setup.LANGUAGES)
    if not isinstance(value, list) or not value or not all(isinstance(code, str) for code in value) \
            or not set(value) <= set(setup.LANGUAGES) or len(set(value)) != len(value):
        raise refuse(f"must list one or more of {offered}, each once, the default first")
    return list(value)


Languages = value_type(list[str], _languages, {
    "type": "array", "items": {"enum": list(setup.LANGUAGES)}, "minItems": 1, "maxItems": len(setup.LANGUAGES),
    "uniqueItems": True, "example": ["en", "zh_Hans_CN"]})


def _limit(name: str):
    return whole(*SETTING_LIMITS[name])


class SettingsInput(Body):
    """The shop's booking rules, its emails' sender and the languages customers are offered."""

    timezone: Zone = Field(description="IANA zone; starts as the shop's own")
    slot_interval_minutes: _limit("slot_interval_minutes")
    min_notice_minutes: _limit("min_notice_minutes")
    horizon_days: _limit("horizon_days")
    cancel_cutoff_hours: _limit("cancel_cutoff_hours")
    reschedule_cutoff_hours: _limit("reschedule_cutoff_hours")
    hold_minutes: _limit("hold_minutes")
    reminder_hours: _limit("reminder_hours") = Field(
        description="Hours before a session that its reminder email goes out; 0 sends none")
    max_units_per_line: _limit("max_units_per_line") = Field(
        description="Units one order line may grant; a larger line goes on the attention list instead")
    grant_on_create: Flag = Field(description="Grant packages on orders/create for orders already paid then")
    manager_user_ids: list[Id] = Field(max_length=accounts.MAX_MANAGERS,
                                       description="Shopify staff user ids who may undo a redemption; once set, "
                                                   "only one of them may change it (403 managers_only)")
    mail_from_name: SenderName | None = Field(description="The sender name customers see (MAIL_FROM keeps the "
                                                          "address); empty or null: MAIL_FROM's own name")
    reply_to: EmailAddress | None = Field(description="Where customers' replies go; null: to the sender")
    languages: Languages = Field(description="Languages the customer pages and emails offer; the first is the "
                                             "default when the customer's own is not among them")


SettingsPatch = patch_of(SettingsInput, "SettingsPatch", "Some of the settings to change.")


class Settings(Answer):
    timezone: str
    slot_interval_minutes: int
    min_notice_minutes: int
    horizon_days: int
    cancel_cutoff_hours: int
    reschedule_cutoff_hours: int
    hold_minutes: int
    max_units_per_line: int
    reminder_hours: int
    grant_on_create: bool
    manager_user_ids: list[int]
    mail_from_name: str | None
    reply_to: str | None
    languages: list[str]
    sender: str = Field(description="The From customers see, e.g. Calm Spa <bookings@calmspa.example>")
    test_email_sent_at: datetime | None = Field(description="When a test email last went out")
    order_link_opened_at: datetime | None = Field(description="When a customer first opened a booking link "
                                                              "from an order email (the snippet is in place)")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _settings_json(settings) -> dict:
    return {**accounts.settings_json(settings), "mail_from_name": settings.mail_from_name,
            "reply_to": settings.reply_to, "languages": setup.offered_languages(settings),
            "sender": str(setup.sender(settings, current_app.config["PACKBOOK"].mail_from)),
            "test_email_sent_at": _iso(settings.test_email_sent_at),
            "order_link_opened_at": _iso(settings.order_link_opened_at)}


@bp.get("/settings")
@shop_required
@declare("settings", answer=Settings, says="The settings")
def get_settings():
    """The shop's settings (created from the shop's own time zone on first use)."""
    settings = accounts.booking_settings(db.session(), g.shop.id)
    db.session().commit()
    return jsonify(_settings_json(settings))


@bp.patch("/settings")
@shop_required
@declare("settings", body=SettingsPatch, answer=Settings, errors=("Forbidden",), says="The settings after the change")
def patch_settings(body: SettingsPatch):
    """Change some of the settings; a bad field answers 422 naming it."""
    session = db.session()
    settings = accounts.update_booking_settings(session, g.shop.id, body.given(), actor=staff_actor())
    session.commit()
    return jsonify(_settings_json(settings))


# --- what the settings page offers ---

class LanguageChoice(Answer):
    code: str
    name: str = Field(description="In English")
    native_name: str


class SettingsOptions(Answer):
    timezones: list[str] = Field(description="Zones by place name; the API also takes older aliases")
    languages: list[LanguageChoice]


@bp.get("/settings/options")
@shop_required
@declare("settings", answer=SettingsOptions, says="The choices")
def settings_options():
    """The time zones and languages a shop can choose from."""
    return jsonify(timezones=PLACES, languages=setup.language_choices())


# --- a test email ---

class TestEmailInput(Body):
    """Where to send a test email."""

    to: EmailAddress


class TestEmail(Answer):
    id: int
    to: str
    status: Literal["pending", "queued", "sent", "failed"]
    via: Literal["smtp", "outbox"] = Field(description="SMTP_URL's server, or instance/outbox/ without one")
    sender: str
    reply_to: str | None
    created_at: datetime
    sent_at: datetime | None
    error: str | None = Field(description="Why the last attempt failed, while it is retried or once it failed")


class LatestTestEmail(Answer):
    test_email: TestEmail | None


def _test_email_json(row, settings) -> dict:
    config = current_app.config["PACKBOOK"]
    return {"id": row.id, "to": row.recipient, "status": row.status, "via": "smtp" if config.smtp_url else "outbox",
            "sender": str(setup.sender(settings, config.mail_from)), "reply_to": settings.reply_to,
            "created_at": _iso(row.created_at), "sent_at": _iso(row.sent_at),
            "error": row.last_error}


@bp.post("/settings/test-email")
@shop_required
@declare("settings", body=TestEmailInput, answer=TestEmail, status=202, says="Recorded; a job sends it")
def send_test_email(body: TestEmailInput):
    """Send a test email through the normal path: recorded now, sent by a job (never inside this request)."""
    session = db.session()
    row = setup.ask_test_email(session, g.shop.id, body.to, utc_now())
    settings = accounts.booking_settings(session, g.shop.id)
    session.commit()
    g.emails_owed = True  # without Redis, app.py sends it once this response has gone out
    return jsonify(_test_email_json(row, settings)), 202


@bp.get("/settings/test-email")
@shop_required
@declare("settings", answer=LatestTestEmail, says="The latest test email, or null")
def latest_test_email():
    """The latest test email and whether it went out."""
    session = db.session()
    row = setup.latest_test_email(session, g.shop.id)
    settings = accounts.booking_settings(session, g.shop.id)
    session.commit()
    return jsonify(test_email=row and _test_email_json(row, settings))


# --- the booking link for Shopify's order confirmation ---

class PreviewOrder(Answer):
    name: str | None = Field(description="The order's name, e.g. #1001")
    created_at: datetime


class BookingLink(Answer):
    snippet: str = Field(description="Liquid to paste into the order confirmation email")
    app_url: str
    where: list[str] = Field(description="Where to paste it, step by step")
    preview_url: str | None = Field(description="A signed link opening the customer's page of the shop's latest "
                                                "order (it signs the browser in as that customer); null: no order")
    preview_order: PreviewOrder | None
    order_link_opened_at: datetime | None


@bp.get("/settings/booking-link")
@shop_required
@declare("settings", answer=BookingLink, says="The snippet, where it goes and a preview")
def booking_link():
    """The booking link for Shopify's order confirmation email, and a preview of the customer's page."""
    session = db.session()
    link = setup.booking_link(session, g.shop, app_url=current_app.config["PACKBOOK"].shopify_app_url,
                              secret_key=current_app.config["SECRET_KEY"])
    session.commit()
    order = link["preview_order"]
    return jsonify({**link, "order_link_opened_at": _iso(link["order_link_opened_at"]),
                    "preview_order": order and {**order, "created_at": _iso(order["created_at"])}})
