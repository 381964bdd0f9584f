"""Sending email: through SMTP when SMTP_URL is set, otherwise into `instance/outbox/` as .eml files with a log
line naming each, so the embedded default and the demo show every message without a mail server.

SMTP_URL is `smtp://user:password@host:587` (STARTTLS, required before credentials leave the machine unless the
server is on loopback) or `smtps://user:password@host:465` (TLS from the first byte). Knows nothing of bookings.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app

log = logging.getLogger(__name__)
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class MailNotSent(Exception):
    """The message was not accepted; the job that sent it retries."""


def send(message: EmailMessage, *, name: str) -> str:
    """Hand `message` to SMTP, or write it to the outbox as `<name>.eml`; returns where it went."""
    settings = current_app.config["PACKBOOK"]
    if settings.smtp_url:
        _smtp(settings.smtp_url, message)
        return "smtp"
    folder = Path(current_app.instance_path) / "outbox"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{name}.eml"
    # Written beside it, then renamed: whoever watches the folder never reads half a message.
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(bytes(message))
    partial.replace(path)
    log.info("no SMTP_URL: email %s written to %s", name, path)
    return str(path)


def _smtp(url: str, message: EmailMessage) -> None:
    parts = urlsplit(url)
    host, secure = parts.hostname or "localhost", parts.scheme == "smtps"
    port = parts.port or (465 if secure else 587)
    try:
        client = smtplib.SMTP_SSL(host, port, timeout=20, context=ssl.create_default_context()) if secure \
            else smtplib.SMTP(host, port, timeout=20)
        with client:
            client.ehlo()
            if not secure and client.has_extn("starttls"):
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            elif not secure and parts.username and host not in LOOPBACK:
                raise MailNotSent("the SMTP server offers no STARTTLS; refusing to send credentials in clear")
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        # Never the URL: it holds the password.
        raise MailNotSent(f"{type(exc).__name__} from the SMTP server at {host}:{port}") from None
