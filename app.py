"""Packbook: create_app(test_config=None) wires config, extensions, blueprints and commands."""
from __future__ import annotations

import logging
import sys

from flask import Flask, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException, RequestURITooLarge

import commands
import db
import endpoints
from config import ConfigError, Settings, load_settings
from booking.admin import bp as admin_bp
from booking.api import bp as booking_api_bp
from booking.jobs import send_pending
from booking.pages import languages, limits
from booking.pages.customer import bp as booking_bp
from shopify_app import crypto
from shopify_app.api import bp as shop_api_bp
from shopify_app.auth import add_security_headers
from shopify_app.demo import bp as demo_bp
from shopify_app.views import bp as shopify_bp
from webhooks import queue
from webhooks.api import bp as webhooks_api_bp
from webhooks.cli import register as register_webhook_commands
from webhooks.receiver import MAX_BODY_BYTES
from webhooks.receiver import bp as webhooks_bp
from health import bp as health_bp
from warmup import warm_up

log = logging.getLogger("packbook")


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; with no test_config the environment (and .env) is the configuration."""
    settings = _settings(test_config)
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(settings.as_flask_config(), MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
                      SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=settings.shopify_app_url.startswith("https://"))
    if test_config:
        app.config.update(test_config)
    crypto.configure_keys(settings.token_encryption_keys)
    db.init_app(app)
    queue.init_app(app)
    endpoints.init_app(app)  # the `id` converter must exist before the blueprints' routes
    languages.init_app(app)
    limits.init_app(app)
    for blueprint in (shopify_bp, shop_api_bp, webhooks_bp, webhooks_api_bp, health_bp, demo_bp,
                      booking_bp, booking_api_bp, admin_bp):
        app.register_blueprint(blueprint)
    app.before_request(_refuse_long_query_strings)
    app.after_request(add_security_headers)
    app.after_request(_send_owed_emails)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)
    commands.register(app)
    register_webhook_commands(app)
    _announce(app, settings)
    if not app.config.get("TESTING"):
        warm_up(app)  # each gunicorn worker builds its app: its first request is then as fast as the tenth
    return app


def _settings(test_config: dict | None) -> Settings:
    if test_config is not None:
        return load_settings(test_config)
    # The `flask` command (python-dotenv installed) has already loaded .env, once; under
    # gunicorn in production the real environment is the configuration.
    try:
        return load_settings()
    except ConfigError as exc:
        raise SystemExit(f"packbook: configuration error: {exc}") from None


def _announce(app: Flask, settings: Settings) -> None:
    if settings.redis_url is None and not app.config.get("TESTING"):
        print("packbook: REDIS_URL is not set; background jobs run inline in this process.",
              file=sys.stderr)


# No query the app serves needs more; a longer one is refused here as JSON. gunicorn is told to pass request
# lines up to 8190 bytes (Procfile: --limit-request-line 8190), so what it refuses itself never reaches an app.
MAX_QUERY_BYTES = 4096


def _refuse_long_query_strings():
    if len(request.query_string) > MAX_QUERY_BYTES:
        raise RequestURITooLarge(f"the query string is longer than {MAX_QUERY_BYTES} bytes")


def _send_owed_emails(response):
    """Without Redis there is no worker: emails a request asked for are sent once its response has gone out,
    never while the customer waits. With Redis the worker's dispatcher sends them."""
    # A webhook's job runs inline too and may ask for emails (a paid hold that could not be kept).
    owed = g.get("emails_owed") or (request.path == "/webhooks" and response.status_code == 200)
    if owed and queue.get_queue().inline:
        app = current_app._get_current_object()

        def send() -> None:
            with app.app_context():
                send_pending()
        response.call_on_close(send)
    return response


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/webhooks", "/healthz"))


def _http_error(exc: HTTPException):
    if _wants_json():
        return jsonify(error=exc.description, code=exc.name.lower().replace(" ", "_")), exc.code
    return exc


def _server_error(exc: Exception):
    # Roll back whatever the request had open, then answer without leaking internals.
    db.session().rollback()
    # The error's type, first line and frames only: its full text could quote a payload or a customer.
    log.error("unhandled error on %s %s: %s\n%s", request.method, request.path, db.describe_error(exc),
              db.traceback_lines(exc))
    if _wants_json():
        return jsonify(error="internal error", code="internal_error"), 500
    return "Something went wrong on our side. Please try again.", 500
