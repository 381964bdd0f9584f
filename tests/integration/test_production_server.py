"""The web process as the Procfile starts it (gunicorn, gthread): every error the app owns is JSON, even for a
request line longer than gunicorn's default limit, and the app's own bound on query strings answers first."""
from __future__ import annotations

import shlex
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.conftest import app_config
from tests.support.services import free_port
from tests.support.factories import cli_env

ROOT = Path(__file__).resolve().parents[2]


def _web_command(port: int) -> list[str]:
    line = next(l for l in (ROOT / "Procfile").read_text().splitlines() if l.startswith("web:"))
    words = shlex.split(line.removeprefix("web:").replace("${PORT:-8000}", str(port))
                        .replace("${WEB_CONCURRENCY:-2}", "1"))
    assert words[0] == "gunicorn"
    return [sys.executable, "-m", "gunicorn", *words[1:]]



def test_long_query_strings_get_json_from_the_app_under_the_procfiles_gunicorn(database_url, app):
    port = free_port()
    env = cli_env(app_config(database_url))
    server = subprocess.Popen(_web_command(port), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/healthz/live", timeout=1).status_code == 200:
                    break
            except requests.RequestException:  # refused, or the worker still booting
                time.sleep(0.1)
        # 6,000 bytes: past gunicorn's default 4,094-byte request line, inside the Procfile's 8,190.
        for path in ("/api/services", "/webhooks", "/healthz"):
            response = requests.get(f"{base}{path}?q={'x' * 6000}", timeout=10)
            assert response.status_code == 414, (path, response.text[:200])
            assert response.headers["Content-Type"].startswith("application/json")
            assert response.json()["code"] == "request_uri_too_long"
    finally:
        server.terminate()
        server.wait(timeout=30)
