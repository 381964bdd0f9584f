"""shopify.app.toml against the code: every subscribed topic has the handler its comment names, every
handled topic is subscribed, and the only ones left commented out are those waiting for a gated scope."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from shopify_app.client import API_VERSION
from webhooks.jobs import HANDLERS

TOML = Path(__file__).resolve().parents[2] / "shopify.app.toml"
# Topics that need scopes Shopify grants only on request (read_gift_cards, read_own_subscription_contracts).
GATED = {"gift_cards/create", "gift_cards/update", "subscription_contracts/create", "subscription_contracts/activate",
         "subscription_billing_attempts/success", "subscription_contracts/pause", "subscription_contracts/cancel",
         "subscription_contracts/expire", "subscription_contracts/fail"}
LINE = re.compile(r'^(?P<off>#\s*)?(?:compliance_)?topics = \[(?P<topics>[^\]]*)\]\s*#\s*(?P<handler>[\w.]+)')


def subscription_lines() -> list[tuple[bool, list[str], str]]:
    """(live, topics, named handler) for each `topics = [...]  # handler` line, commented out or not."""
    found = []
    for text in TOML.read_text().splitlines():
        if match := LINE.match(text.strip()):
            topics = re.findall(r'"([^"]+)"', match["topics"])
            found.append((not match["off"], topics, match["handler"]))
    return found


def test_the_toml_parses_and_pins_the_clients_api_version():
    config = tomllib.loads(TOML.read_text())
    assert config["webhooks"]["api_version"] == API_VERSION
    for subscription in config["webhooks"]["subscriptions"]:
        assert subscription["uri"] == "/webhooks"


def test_each_subscription_names_the_handler_that_runs_it():
    for _, topics, named in subscription_lines():
        for topic in topics:
            handler = HANDLERS[topic]
            assert named == f"{handler.__module__}.{handler.__name__}", topic


def test_every_handled_topic_is_subscribed_and_only_gated_ones_wait_commented_out():
    lines = subscription_lines()
    live = {topic for on, topics, _ in lines if on for topic in topics}
    waiting = {topic for on, topics, _ in lines if not on for topic in topics}
    config = tomllib.loads(TOML.read_text())
    parsed = {t for s in config["webhooks"]["subscriptions"] for t in s.get("topics", []) + s.get("compliance_topics", [])}
    assert live == parsed  # every live subscription was seen by the line reader
    assert live | waiting == set(HANDLERS)
    assert waiting == GATED
