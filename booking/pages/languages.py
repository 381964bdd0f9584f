"""Which language a customer page or email speaks: the locale Shopify passes (the app proxy's `locale`), else the
browser's Accept-Language, else English. English and Simplified Chinese ship (booking/pages/translations)."""
from __future__ import annotations

from pathlib import Path

from babel import Locale, UnknownLocaleError
from flask import Flask, request
from flask_babel import Babel

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
SUPPORTED = ("en", "zh_Hans_CN")  # Babel names Simplified Chinese (China) zh_Hans_CN


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
    asked = supported(request.args.get("locale")) if request else None
    if asked:
        return asked
    for tag, _quality in (request.accept_languages if request else []):
        found = supported(tag)
        if found:
            return found
    return "en"


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    Babel(app, locale_selector=select_locale)
