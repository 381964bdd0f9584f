"""Which language a customer page or email speaks: the locale Shopify passes (the app proxy's `locale`), else the
browser's Accept-Language, among the languages the shop offers (its settings), else the shop's default, else
English. English and Simplified Chinese ship (booking/pages/translations)."""
from __future__ import annotations

from pathlib import Path

from babel import Locale, UnknownLocaleError
from flask import Flask, request
from flask_babel import Babel

import db
from booking import setup
from booking.pages import sessions

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
SUPPORTED = setup.LANGUAGES  # Babel names Simplified Chinese (China) zh_Hans_CN


def supported(tag: str | None) -> str | None:
    """`tag` ("zh-CN", "zh_Hans", "en-GB", …) as one of SUPPORTED, or None. English keeps its region, so
    dates read as the reader expects ("29 January 2027" in en-GB); the words are the same English."""
    if not tag:
        return None
    language = tag.replace("-", "_").split("_")[0].lower()
    if language == "en":
        try:
            return str(Locale.parse(tag.replace("-", "_")))
        except (ValueError, UnknownLocaleError):
            return "en"
    return {"zh": "zh_Hans_CN"}.get(language)


def select_locale() -> str:
    if not request:
        return "en"
    asked = [supported(request.args.get("locale"))]
    asked += [supported(tag) for tag, _quality in request.accept_languages]
    return setup.pick_language(asked, _offered())


def _offered() -> list[str]:
    """The languages of the shop whose customer page this is: the customer's session names it, else the link's
    or the app proxy's `shop` (choosing a language by an unverified name shows nothing of the shop)."""
    if request.blueprint != "booking":
        return list(SUPPORTED)
    found = sessions.current()
    if found is not None:
        return setup.shop_languages(db.session(), shop_id=found.shop_id)
    domain = request.args.get("shop", "")
    return setup.shop_languages(db.session(), domain=domain) if domain else list(SUPPORTED)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    Babel(app, locale_selector=select_locale)
