"""Settings come from the environment; a missing or malformed one names the variable."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]
GOOD = {"SHOPIFY_API_KEY": "key", "SHOPIFY_API_SECRET": "secret", "SHOPIFY_APP_URL": "https://app.example",
        "SECRET_KEY": "0123456789abcdef", "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode()}


def settings_with(**changes):
    env = {**GOOD, **changes}
    return load_settings({k: v for k, v in env.items() if v is not None})


@pytest.mark.parametrize("name", ["SHOPIFY_API_KEY", "SHOPIFY_API_SECRET", "SHOPIFY_APP_URL", "SECRET_KEY",
                                  "TOKEN_ENCRYPTION_KEY"])
def test_each_required_setting_is_named_when_missing(name):
    with pytest.raises(ConfigError) as error:
        settings_with(**{name: None})
    assert error.value.variable == name and name in str(error.value)


@pytest.mark.parametrize("name,value", [
    ("SHOPIFY_APP_URL", "ftp://app.example"), ("SHOPIFY_APP_URL", "http://app.example"),
    ("TOKEN_ENCRYPTION_KEY", "not-a-fernet-key"), ("SECRET_KEY", "short"),
    ("DATABASE_URL", "mysql://db/x"), ("REDIS_URL", "http://redis"), ("SHOPIFY_SCOPES", "read products"),
    ("PACKBOOK_DEMO", "maybe"), ("PACKBOOK_QUEUE_NAME", "has space"), ("SHOPIFY_ADMIN_ORIGIN", "localhost:9"),
])
def test_malformed_settings_are_named(name, value):
    with pytest.raises(ConfigError) as error:
        settings_with(**{name: value})
    assert error.value.variable == name


def test_defaults_are_sqlite_under_instance_and_inline_jobs():
    settings = settings_with()
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith("instance/packbook.sqlite3")
    assert settings.redis_url is None and settings.demo_mode is False


def test_postgres_urls_get_the_psycopg_driver():
    assert settings_with(DATABASE_URL="postgres://u@h/db").database_url == "postgresql+psycopg://u@h/db"


def test_previous_secret_is_accepted_after_the_current_one():
    assert settings_with(SHOPIFY_API_SECRET_PREVIOUS="old").webhook_secrets == ("secret", "old")


def test_demo_mode_is_refused_unless_the_app_url_is_localhost():
    with pytest.raises(ConfigError) as error:
        settings_with(PACKBOOK_DEMO="1")
    assert error.value.variable == "PACKBOOK_DEMO"
    assert settings_with(PACKBOOK_DEMO="1", SHOPIFY_APP_URL="http://127.0.0.1:8000").demo_mode


def test_several_encryption_keys_allow_rotation():
    keys = f"{Fernet.generate_key().decode()},{GOOD['TOKEN_ENCRYPTION_KEY']}"
    assert len(settings_with(TOKEN_ENCRYPTION_KEY=keys).token_encryption_keys) == 2


def test_starting_without_settings_prints_one_clear_line_and_no_traceback(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "FLASK_SKIP_DOTENV": "1", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "routes"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "SHOPIFY_API_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
