"""The architecture is a checked contract: import-linter's contracts (pyproject.toml) hold, and each one breaks
when a forbidden import is added to a copy of the tree, so a layer crossing fails the suite."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("booking", "webhooks", "shopify_app", "demo", "endpoints")
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
        "sys.argv[0] = 'lint-imports'; lint_imports_command()", "--no-cache", "--no-logo"]

# (contract id, module changed, the import added to it): one forbidden import per kind of crossing.
CROSSINGS = [
    ("pure-rules", "booking/rules/intervals.py", "import sqlalchemy"),
    ("pure-rules", "booking/rules/plans.py", "import flask"),
    ("pure-rules", "booking/rules/ledger.py", "import db"),
    ("pure-rules", "booking/rules/links.py", "import shopify"),
    ("platform-knows-no-bookings", "shopify_app/client.py", "import booking.records"),
    ("platform-knows-no-bookings", "shopify_app/auth.py", "import webhooks.models"),
    ("domain-below-edges", "booking/accounts.py", "import webhooks.models"),
    ("domain-below-edges", "booking/records.py", "import demo.spa"),
    ("endpoints-know-no-domain", "endpoints/fields.py", "import booking.errors"),
    ("endpoints-know-no-domain", "endpoints/declare.py", "import shopify_app.auth"),
    ("booking-layers", "booking/rules/hours.py", "import booking.models"),
    ("booking-layers", "booking/records.py", "import booking.accounts"),
    ("booking-layers", "booking/bookings.py", "import booking.api.bookings"),
    ("booking-layers", "booking/purchases.py", "import booking.pages.customer"),
    ("booking-layers", "booking/unplaced.py", '"""A module nobody placed in a layer."""'),
    ("independent-edges", "webhooks/orders.py", "from booking.api import bookings"),
    ("independent-edges", "webhooks/jobs.py", "import booking.api"),
    ("independent-edges", "booking/api/bookings.py", "import booking.pages.customer"),
]


def lint(cwd: Path, *contracts: str) -> subprocess.CompletedProcess:
    args = [arg for contract in contracts for arg in ("--contract", contract)]
    # The copy comes first on the path, ahead of the editable install of the real tree.
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([*LINT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_the_tree_keeps_every_contract():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 kept, 0 broken" in result.stdout


@pytest.fixture(scope="module")
def pristine_copy(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("tree")
    for name in PACKAGES:
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", "samples"))
    for module in ROOT.glob("*.py"):
        shutil.copy(module, copy / module.name)
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


@pytest.mark.parametrize(("contract", "module", "line"), CROSSINGS, ids=[f"{c}:{m}" for c, m, _ in CROSSINGS])
def test_a_forbidden_import_breaks_its_contract(pristine_copy, tmp_path, contract, module, line):
    tree = tmp_path / "tree"
    shutil.copytree(pristine_copy, tree)
    target = tree / module
    target.write_text((target.read_text() if target.exists() else "") + f"\n{line}\n")
    result = lint(tree, contract)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout and "0 kept, 1 broken" in result.stdout, result.stdout
