"""Encryption at rest for Shopify access and refresh tokens (Fernet, with key rotation)."""
from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text, TypeDecorator

_keyring: MultiFernet | None = None


class TokenDecryptionError(Exception):
    """A stored token cannot be decrypted with any configured TOKEN_ENCRYPTION_KEY."""


def configure_keys(keys: tuple[str, ...]) -> None:
    """Install the keyring: the first key encrypts, every key decrypts (for rotation)."""
    global _keyring
    _keyring = MultiFernet([Fernet(k) for k in keys])


def _require_keyring() -> MultiFernet:
    if _keyring is None:
        raise RuntimeError("token encryption keys are not configured; create the app first")
    return _keyring


def encrypt(plaintext: str) -> str:
    return _require_keyring().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _require_keyring().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise TokenDecryptionError("stored token does not decrypt with TOKEN_ENCRYPTION_KEY") from None


class EncryptedText(TypeDecorator):
    """A text column whose value is encrypted before it reaches the database."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value)
