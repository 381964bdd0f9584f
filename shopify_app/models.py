"""The Shop: one row per installed (or once installed) store, with its encrypted tokens."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db import Base, UTCDateTime, utcnow
from shopify_app.crypto import EncryptedText

# Refresh a little before expiry so a request or job never starts with a token about to lapse.
REFRESH_MARGIN = timedelta(minutes=5)


class Shop(Base):
    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str | None] = mapped_column(String(255))
    iana_timezone: Mapped[str | None] = mapped_column(String(64))
    currency_code: Mapped[str | None] = mapped_column(String(3))
    scopes: Mapped[str] = mapped_column(String(1000), default="")
    access_token: Mapped[str | None] = mapped_column(EncryptedText)
    access_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refresh_token: Mapped[str | None] = mapped_column(EncryptedText)
    refresh_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    installed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def is_installed(self) -> bool:
        return self.installed_at is not None and self.uninstalled_at is None

    @property
    def granted_scopes(self) -> frozenset[str]:
        return frozenset(s for s in self.scopes.split(",") if s)

    def has_usable_token(self, now: datetime) -> bool:
        """True when the offline token exists and will not lapse within the refresh margin."""
        if not self.access_token:
            return False
        expires = self.access_token_expires_at
        return expires is None or expires - REFRESH_MARGIN > now

    def can_refresh(self, now: datetime) -> bool:
        expires = self.refresh_token_expires_at
        return bool(self.refresh_token) and (expires is None or expires > now)

    def forget_tokens(self) -> None:
        self.access_token = self.refresh_token = None
        self.access_token_expires_at = self.refresh_token_expires_at = None

    def __repr__(self) -> str:  # never print tokens
        return f"<Shop {self.id} {self.domain}>"
