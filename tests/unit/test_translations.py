"""Every message the customer pages can show has its Simplified Chinese translation, and the compiled catalogue
the app loads says the same as the one people edit."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from booking.pages.languages import SUPPORTED, TRANSLATIONS

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _messages() -> set:
    found = set()
    method_map = [("booking/pages/**.py", "python"), ("booking/jobs.py", "python"),
                  ("templates/booking/**.html", "jinja2"), ("templates/emails/**.html", "jinja2"),
                  ("templates/emails/**.txt", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, keywords=keywords):
        found.add(tuple(message) if isinstance(message, (list, tuple)) else message)
    return found


@pytest.mark.parametrize("language", [code for code in SUPPORTED if code != "en"])
def test_every_customer_page_message_is_translated(language):
    catalog = read_po((TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb"))
    messages = _messages()
    assert len(messages) > 50
    missing = []
    for message in messages:
        entry = catalog.get(message[0] if isinstance(message, tuple) else message)
        strings = [s for s in (entry.string if entry else None) or () if s] if entry and isinstance(
            entry.string, tuple) else ([entry.string] if entry and entry.string else [])
        if entry is None or not strings or entry.fuzzy:
            missing.append(message)
            continue
        source = message[0] if isinstance(message, tuple) else message
        for translated in strings:  # a translation keeps every placeholder, or formatting fails at runtime
            assert set(PLACEHOLDER.findall(translated)) == set(PLACEHOLDER.findall(source)), (source, translated)
    assert not missing, f"untranslated in {language}: {sorted(map(str, missing))}"


@pytest.mark.parametrize("language", [code for code in SUPPORTED if code != "en"])
def test_the_compiled_catalogue_matches_its_source(language):
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    def entries(catalog) -> dict:
        as_key = lambda v: tuple(v) if isinstance(v, (list, tuple)) else v  # noqa: E731
        return {as_key(m.id): as_key(m.string) for m in catalog if m.id}

    source = entries(read_po((folder / "messages.po").open("rb")))
    compiled = entries(read_mo((folder / "messages.mo").open("rb")))
    assert compiled == source, "run: .venv/bin/pybabel compile -d booking/pages/translations"
