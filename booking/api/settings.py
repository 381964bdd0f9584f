"""/api/settings: the shop's booking rules: time zone, slot interval, notice, horizon and cutoffs."""
from __future__ import annotations

from zoneinfo import available_timezones

from flask import g, jsonify
from pydantic import Field

import db
from booking import accounts
from booking.accounts import SETTING_LIMITS
from booking.api import bp, staff_actor
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


def _limit(name: str):
    return whole(*SETTING_LIMITS[name])


class SettingsInput(Body):
    """The shop's booking rules."""

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


SettingsPatch = patch_of(SettingsInput, "SettingsPatch", "Some of the booking rules to change.")


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


@bp.get("/settings")
@shop_required
@declare("settings", answer=Settings, says="The settings")
def get_settings():
    """The shop's booking rules (created from the shop's own time zone on first use)."""
    settings = accounts.booking_settings(db.session(), g.shop.id)
    db.session().commit()
    return jsonify(accounts.settings_json(settings))


@bp.patch("/settings")
@shop_required
@declare("settings", body=SettingsPatch, answer=Settings, errors=("Forbidden",), says="The settings after the change")
def patch_settings(body: SettingsPatch):
    """Change some of the booking rules; a bad field answers 422 naming it."""
    session = db.session()
    settings = accounts.update_booking_settings(session, g.shop.id, body.given(), actor=staff_actor())
    session.commit()
    return jsonify(accounts.settings_json(settings))
