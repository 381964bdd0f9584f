"""Reads Packbook's settings from the environment, once, and fails fast naming the bad variable."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

DEFAULT_SCOPES = "read_products,read_orders,read_customers"
INSTANCE_DIR = Path(__file__).resolve().parent / "instance"
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
_SCOPE_RE = re.compile(r"^[a-z_]+$")
_QUEUE_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ConfigError(Exception):
    """A required setting is missing or malformed; the message names the variable."""

    def __init__(self, variable: str, problem: str):
        super().__init__(f"{variable} {problem}")
        self.variable = variable


@dataclass(frozen=True)
class Settings:
    shopify_api_key: str
    shopify_api_secret: str
    shopify_scopes: tuple[str, ...]
    shopify_app_url: str
    secret_key: str
    token_encryption_keys: tuple[str, ...]
    database_url: str
    redis_url: str | None = None
    shopify_api_secret_previous: str | None = None
    shopify_admin_origin: str | None = None
    demo_mode: bool = False
    queue_name: str = "packbook"
    reconcile_minutes: int = 15
    smtp_url: str | None = None  # smtp://user:pass@host:587 (STARTTLS) or smtps://…:465; None: the outbox
    mail_from: str = "Packbook <bookings@localhost>"
    extra: dict = field(default_factory=dict)

    @property
    def webhook_secrets(self) -> tuple[str, ...]:
        """The current secret first, then the previous one while a rotation is under way."""
        return tuple(s for s in (self.shopify_api_secret, self.shopify_api_secret_previous) if s)

    def as_flask_config(self) -> dict:
        """The Flask config keys the app reads (SECRET_KEY signs cookies and customer links)."""
        return {"SECRET_KEY": self.secret_key, "PACKBOOK": self, **self.extra}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from the environment, raising ConfigError naming the first bad variable."""
    env = os.environ if environ is None else environ
    api_key, api_secret = _required(env, "SHOPIFY_API_KEY"), _required(env, "SHOPIFY_API_SECRET")
    app_url = _url(env, "SHOPIFY_APP_URL")
    demo = _flag(env, "PACKBOOK_DEMO")
    if demo and (urlsplit(app_url).hostname or "") not in LOOPBACK_HOSTS:
        # Demo mode mints session tokens locally; it must never run where Shopify can reach it.
        raise ConfigError("PACKBOOK_DEMO", "is only allowed when SHOPIFY_APP_URL points at localhost")
    return Settings(
        shopify_api_key=api_key,
        shopify_api_secret=api_secret,
        shopify_api_secret_previous=env.get("SHOPIFY_API_SECRET_PREVIOUS") or None,
        shopify_scopes=_scopes(env),
        shopify_app_url=app_url,
        secret_key=_secret_key(env),
        token_encryption_keys=_fernet_keys(env),
        database_url=_database_url(env),
        redis_url=_optional_url(env, "REDIS_URL", ("redis", "rediss", "unix")),
        shopify_admin_origin=_optional_url(env, "SHOPIFY_ADMIN_ORIGIN", ("http", "https")),
        demo_mode=demo,
        queue_name=_queue_name(env),
        reconcile_minutes=_minutes(env, "PACKBOOK_RECONCILE_MINUTES", default=15),
        smtp_url=_optional_url(env, "SMTP_URL", ("smtp", "smtps")),
        mail_from=_mail_from(env),
    )


def _mail_from(env: Mapping[str, str]) -> str:
    value = (env.get("MAIL_FROM") or "").strip()
    if not value:
        return Settings.mail_from
    if "@" not in value or "\n" in value or "\r" in value or len(value) > 200:
        raise ConfigError("MAIL_FROM", "must be an address such as Spa <bookings@example.com>")
    return value


def _required(env: Mapping[str, str], name: str) -> str:
    value = (env.get(name) or "").strip()
    if not value:
        raise ConfigError(name, "is not set")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = (env.get(name) or "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(name, f"must be 1 or 0, not {value!r}")


def _url(env: Mapping[str, str], name: str) -> str:
    value = _required(env, name).rstrip("/")
    parts = urlsplit(value)
    loopback = (parts.hostname or "") in LOOPBACK_HOSTS
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ConfigError(name, "must be an https:// URL (http:// is allowed for localhost only)")
    return value


def _optional_url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    value = (env.get(name) or "").strip()
    if not value:
        return None
    if urlsplit(value).scheme not in schemes:
        raise ConfigError(name, f"must start with one of {', '.join(s + '://' for s in schemes)}")
    return value.rstrip("/")


def _minutes(env: Mapping[str, str], name: str, *, default: int) -> int:
    value = (env.get(name) or "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) > 24 * 60:
        raise ConfigError(name, "must be a whole number of minutes from 0 (off) to 1440")
    return int(value)


def _queue_name(env: Mapping[str, str]) -> str:
    # Part of every rq key and job id, so apps sharing one Redis can keep apart.
    value = (env.get("PACKBOOK_QUEUE_NAME") or "packbook").strip()
    if not _QUEUE_RE.match(value):
        raise ConfigError("PACKBOOK_QUEUE_NAME", "may contain only letters, digits, '-' and '_'")
    return value


def _scopes(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = env.get("SHOPIFY_SCOPES") or DEFAULT_SCOPES
    scopes = tuple(s.strip() for s in raw.split(",") if s.strip())
    if not scopes or not all(_SCOPE_RE.match(s) for s in scopes):
        raise ConfigError("SHOPIFY_SCOPES", "must be a comma-separated list such as read_products,read_orders")
    return scopes


def _secret_key(env: Mapping[str, str]) -> str:
    value = _required(env, "SECRET_KEY")
    if len(value) < 16:
        raise ConfigError("SECRET_KEY", "must be at least 16 characters long")
    return value


def _fernet_keys(env: Mapping[str, str]) -> tuple[str, ...]:
    # A comma-separated list lets an operator rotate keys: the first encrypts, all decrypt.
    keys = tuple(k.strip() for k in _required(env, "TOKEN_ENCRYPTION_KEY").split(",") if k.strip())
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ConfigError(
                "TOKEN_ENCRYPTION_KEY",
                "must be a Fernet key (32 url-safe base64 bytes); make one with "
                "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'",
            ) from None
    return keys


def _database_url(env: Mapping[str, str]) -> str:
    value = (env.get("DATABASE_URL") or "").strip()
    if not value:
        return f"sqlite:///{INSTANCE_DIR / 'packbook.sqlite3'}"
    if value.startswith("postgres://"):  # Heroku-style URLs; SQLAlchemy wants the full name.
        value = "postgresql://" + value[len("postgres://"):]
    if value.startswith("postgresql://"):
        value = "postgresql+psycopg://" + value[len("postgresql://"):]
    if not value.startswith(("sqlite:", "postgresql+psycopg:")):
        raise ConfigError("DATABASE_URL", "must be a postgresql:// or sqlite:/// URL")
    return value
