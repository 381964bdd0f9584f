"""CSV cells as a spreadsheet reads them: numbers stay numbers (negative ones too), text that would run as a
formula is escaped, and the file parses back to what was written."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from booking.api.reports import csv_text, spreadsheet_cell


@pytest.mark.parametrize("value, cell", [
    ("5x massage", "5x massage"),
    ("=SUM(A1:A9)", "'=SUM(A1:A9)"),           # a formula
    ("+44 20 7946 0000", "'+44 20 7946 0000"),  # runs as a formula in Excel
    ("-1+2", "'-1+2"),                          # so does this, though it starts like a number
    ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
    ("@SUM(1)", "'@SUM(1)"),
    ("\t=1", "'\t=1"),                          # tab and carriage return, which some spreadsheets skip
    ("\r=1", "'\r=1"),
    ("  =1", "'  =1"),                          # leading spaces are skipped too
    ("a=b", "a=b"),                             # only the first character counts
    ("-2", "-2"),                               # a negative number stays a number
    ("-2.50", "-2.50"),
    ("12.50", "12.50"),
    (Decimal("-3.5"), "-3.5"),
    (Decimal("80.00"), "80"),
    (7, "7"),
    (-7, "-7"),
    ("-", "'-"),
    ("", ""),
    (None, ""),
    (date(2026, 12, 1), "2026-12-01"),          # dates in ISO 8601
    ("Zoë's 5 × massage", "Zoë's 5 × massage"),
])
def test_each_cell_is_a_number_as_it_is_or_text_that_never_runs(value, cell):
    assert spreadsheet_cell(value) == cell


def test_the_file_starts_with_a_bom_and_parses_back_to_its_rows():
    columns = (("plan", "Plan", False), ("owed", "Owed", True), ("note", "Note", False))
    rows = [{"plan": "Zoë's, \"special\"", "owed": "-2", "note": "line one\nline two"},
            {"plan": "=1+1", "owed": "12.50", "note": None}]
    text = csv_text(columns, rows)
    assert text.startswith("\ufeffPlan,Owed,Note\r\n")
    parsed = list(csv.reader(io.StringIO(text.encode("utf-8").decode("utf-8-sig"), newline="")))
    assert parsed == [["Plan", "Owed", "Note"], ["Zoë's, \"special\"", "-2", "line one\nline two"],
                      ["'=1+1", "12.50", ""]]
