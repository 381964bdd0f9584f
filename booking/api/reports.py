"""/api/reports/{report} and /api/reports/{report}.csv: the admin's reports, as JSON (rows, their columns and a
chart drawn on the server as SVG) and as a CSV file a spreadsheet opens as it is.

The CSV is UTF-8 with a byte-order mark (Excel otherwise reads it as the system's code page), dates in ISO 8601,
quantities and amounts as plain decimals (12.50, -2), and every text cell a spreadsheet would run as a formula
(=, +, -, @, tab, CR first) prefixed with an apostrophe. Numbers stay numbers: "-2" is a number, not a formula.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from flask import Response, g, jsonify
from pydantic import Field, create_model

import db
from booking import accounts, reports
from booking.accounts import plain
from booking.api import bp, iso, utc_now
from booking.api.charts import chart_svg
from endpoints import declare
from endpoints.fields import Day
from endpoints.models import Answer, Body
from shopify_app.auth import shop_required

UNIT_NAMES = {"sessions": "Session packs", "minutes": "Minute packs", "money": "Credit",
              "unlimited": "Unlimited passes"}


class ReportQuery(Body):
    from_: Day | None = Field(None, alias="from", description="The first day, in the shop's zone (default: the "
                                                               "first of this month). Liability is always as of now.")
    to: Day | None = Field(None, description="The day after the last (exclusive; default: the first of the month "
                                             "after `from`); after `from`, at most 731 days later")


class Column(Answer):
    key: str
    label: str
    numeric: bool


class ReportAnswer(Answer):
    report: str
    title: str
    timezone: str
    from_: date = Field(alias="from")
    to: date = Field(description="The day after the last (exclusive)")
    as_of: datetime = Field(description="When the figures were read, in the shop's zone")
    columns: list[Column] = Field(description="The table's columns, in order; each row has a value per key")
    svg: str = Field(description="The chart: a self-contained, accessible SVG (no script, no external file)")


class LiabilityRow(Answer):
    plan: str
    unit: Literal["sessions", "minutes", "money"]
    expires: str = Field(description='Month of the last valid day (shop time) as YYYY-MM, or "never"')
    packages: int
    owed: str = Field(description="What is left, in `unit`")
    value: str = Field(description="Price paid × left ÷ granted, per package to the cent, added up")
    currency: str | None


class RedemptionRow(Answer):
    period: date = Field(description="The day, week (its Monday) or month (its first day) in the shop's zone")
    unit: Literal["sessions", "minutes", "money", "unlimited"]
    redeemed: int
    given_back: int = Field(description="Restored (cancelled in time) or undone by a manager")
    net: int
    used: str = Field(description="Quantity used, net of give-backs, in `unit`")


class UtilisationRow(Answer):
    resource_id: int
    resource: str
    open_hours: str
    booked_hours: str
    utilisation: str | None = Field(description="Booked hours as a percentage of open hours; null when closed")


class AttendanceRow(Answer):
    group: Literal["service", "staff"]
    name: str = Field(description='The service or member of staff; "All" for the group\'s total')
    due: int = Field(description="Sessions that took place or should have, plus late cancellations")
    no_shows: int
    late_cancels: int
    no_show_rate: str | None = Field(description="Percentage of `due`")
    late_cancel_rate: str | None


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    summary: str
    row: type[Answer]
    columns: tuple[tuple[str, str, bool], ...]  # key, label, numeric
    figures: Callable  # (session, shop_id, period, now) -> rows
    chart: Callable  # (rows, period) -> svg

    def filename(self, period: reports.Period, now: datetime) -> str:
        if self.name == "liability":
            return f"packbook-liability-{now.astimezone(period.zone).date().isoformat()}.csv"
        return f"packbook-{self.name}-{period.first.isoformat()}-to-{(period.end - timedelta(days=1)).isoformat()}.csv"


# --- charts ------------------------------------------------------------------------------------------------------


def _liability_chart(rows: list[dict], period: reports.Period) -> str:
    paid = [r for r in rows if Decimal(r["value"])]
    currencies = sorted({r["currency"] or "" for r in paid})
    months = sorted({r["expires"] for r in paid})  # "never" sorts after every YYYY-MM
    by_plan: dict[str, dict[str, float]] = {}
    for r in paid:
        name = r["plan"] if len(currencies) < 2 else f"{r['plan']} ({r['currency']})"
        by_plan.setdefault(name, {}).setdefault(r["expires"], 0.0)
        by_plan[name][r["expires"]] += float(r["value"])
    return chart_svg(
        "stacked", title="Value still owed, by expiry month", labels=months,
        series=[(name, [values.get(m) for m in months]) for name, values in sorted(by_plan.items())],
        y_title=f"Value at price paid ({currencies[0]})" if len(currencies) == 1 and currencies[0] else None,
        no_data="Nothing paid for is still owed",
        description="Stacked bars: for each month in which packages expire, what the sessions, minutes and credit "
                    "still owed are worth at the price paid, by plan. The table lists every figure.")


def _redemptions_chart(rows: list[dict], period: reports.Period) -> str:
    buckets = period.bucket_starts()
    units = [u for u in UNIT_NAMES if any(r["unit"] == u for r in rows)]
    net = {(r["period"], r["unit"]): r["net"] for r in rows}
    label = (lambda d: d.strftime("%Y-%m")) if period.bucket == "month" else (lambda d: d.isoformat())
    return chart_svg(
        "stacked", title=f"Sessions paid from packages, by {period.bucket}", labels=[label(b) for b in buckets],
        series=[(UNIT_NAMES[u], [net.get((b.isoformat(), u)) for b in buckets]) for u in units],
        y_title="Redemptions, net of give-backs", no_data="No redemptions in this range",
        description=f"Stacked bars: package redemptions in each {period.bucket} from {period.first.isoformat()}, "
                    "less those given back, by kind of package. The table lists every figure.")


def _utilisation_chart(rows: list[dict], period: reports.Period) -> str:
    return chart_svg(
        "horizontal", title="Booked share of open hours", labels=[r["resource"] for r in rows],
        series=[("Booked", [None if r["utilisation"] is None else float(r["utilisation"]) for r in rows])],
        percent=True, top=100, legend=False, no_data="No staff or rooms",
        description="Horizontal bars: for each member of staff or room, the hours booked as a percentage of its "
                    "open hours in the range. The table lists the hours.")


def _attendance_chart(rows: list[dict], period: reports.Period) -> str:
    shown = [r for r in rows if r["name"] != "All"]
    rate = lambda value: None if value is None else float(value)  # noqa: E731
    return chart_svg(
        "bar", title="No-show and late-cancel rates", percent=True, no_data="No sessions were due in this range",
        labels=[f"{'Service' if r['group'] == 'service' else 'Staff'}: {r['name']}" for r in shown],
        series=[("No-shows", [rate(r["no_show_rate"]) for r in shown]),
                ("Late cancellations", [rate(r["late_cancel_rate"]) for r in shown])],
        description="Bars: the share of sessions due that were no-shows and late cancellations, by service and by "
                    "member of staff. The table lists the counts.")


REPORTS = {report.name: report for report in (
    Report("liability", "Liability", "What live packages still owe in sessions, minutes and money, per plan and "
           "expiry month, valued at the price paid (as of now; the range does not apply).", LiabilityRow,
           (("plan", "Plan", False), ("unit", "Unit", False), ("expires", "Expires", False),
            ("packages", "Packages", True), ("owed", "Owed", True), ("value", "Value", True),
            ("currency", "Currency", False)),
           lambda session, shop_id, period, now: reports.liability(session, shop_id, period.zone, now),
           _liability_chart),
    Report("redemptions", "Redemptions", "Package redemptions over the range, per day, week or month and kind of "
           "package, with what was given back.", RedemptionRow,
           (("period", "Period", False), ("unit", "Unit", False), ("redeemed", "Redeemed", True),
            ("given_back", "Given back", True), ("net", "Net", True), ("used", "Used", True)),
           lambda session, shop_id, period, now: reports.redemptions(session, shop_id, period),
           _redemptions_chart),
    Report("utilisation", "Utilisation", "Each member of staff's or room's booked hours against its open hours.",
           UtilisationRow,
           (("resource", "Staff or room", False), ("open_hours", "Open hours", True),
            ("booked_hours", "Booked hours", True), ("utilisation", "Utilisation (%)", True)),
           lambda session, shop_id, period, now: reports.utilisation(session, shop_id, period),
           _utilisation_chart),
    Report("attendance", "No-shows and late cancellations", "No-show and late-cancel rates by service and by "
           "member of staff, over the sessions due in the range.", AttendanceRow,
           (("group", "By", False), ("name", "Name", False), ("due", "Sessions due", True),
            ("no_shows", "No-shows", True), ("late_cancels", "Late cancellations", True),
            ("no_show_rate", "No-show rate (%)", True), ("late_cancel_rate", "Late-cancel rate (%)", True)),
           reports.attendance, _attendance_chart),
)}


# --- CSV ---------------------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value) -> str:
    """A value as a CSV cell a spreadsheet shows and never runs: a plain number as it is (negative ones too),
    text that would start a formula behind an apostrophe."""
    if value is None:
        return ""
    text = plain(value) if isinstance(value, Decimal) else str(value)
    if _NUMBER.fullmatch(text):
        return text
    if text.startswith(_FORMULA_STARTS) or text.lstrip().startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def csv_text(columns, rows: list[dict]) -> str:
    """The table as CSV text, byte-order mark first; `columns` are (key, label, numeric)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([spreadsheet_cell(label) for _, label, _ in columns])
    writer.writerows([spreadsheet_cell(row.get(key)) for key, _, _ in columns] for row in rows)
    return out.getvalue()


# --- the routes --------------------------------------------------------------------------------------------------


def _figures(report: Report, query: ReportQuery):
    session = db.session()
    zone, now = accounts.shop_zone(session, g.shop.id), utc_now()
    period = reports.report_period(query.from_, query.to, zone, now)
    return period, now, report.figures(session, g.shop.id, period, now)


def _register(report: Report) -> None:
    answer = create_model(f"{report.row.__name__[:-3]}Report", __base__=ReportAnswer,
                          rows=(list[report.row], ...))

    def as_json(query: ReportQuery):
        period, now, rows = _figures(report, query)
        return jsonify({"report": report.name, "title": report.title, "timezone": period.zone.key,
                        "from": period.first.isoformat(), "to": period.end.isoformat(), "as_of": iso(now, period.zone),
                        "columns": [{"key": k, "label": label, "numeric": n} for k, label, n in report.columns],
                        "rows": rows, "svg": report.chart(rows, period)})

    def as_csv(query: ReportQuery):
        period, now, rows = _figures(report, query)
        return Response(csv_text(report.columns, rows).encode("utf-8"), content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{report.filename(period, now)}"'})

    as_json.__doc__ = f"{report.title}: {report.summary}"
    as_csv.__doc__ = f"{report.title}, as a CSV file (UTF-8 with BOM) for a spreadsheet."
    bp.add_url_rule(f"/reports/{report.name}", f"{report.name}_report", shop_required(declare(
        "reports", query=ReportQuery, answer=answer, says="The report: columns, rows and chart")(as_json)))
    bp.add_url_rule(f"/reports/{report.name}.csv", f"{report.name}_report_csv", shop_required(declare(
        "reports", query=ReportQuery, answer={"type": "string"}, media="text/csv",
        says="The table as a CSV attachment")(as_csv)))


for _report in REPORTS.values():
    _register(_report)
