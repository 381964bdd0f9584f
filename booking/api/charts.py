"""Report charts drawn on the server as SVG, by pygal.

A chart is safe to put inline and stands alone: no script (pygal writes its tooltip configuration as one, and
would link its tooltip script from a CDN: `js=[]` and removing the config), no external file or web font (the
system's sans-serif), no XML declaration. It is one image to assistive technology (role="img", named by its
<title> and described by its <desc>): the table beside it is the accessible form of the same figures.
"""
from __future__ import annotations

from xml.etree import ElementTree

import pygal
from pygal.style import Style

# Okabe and Ito's colour-blind-safe palette, darkest first (each reads against white).
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000")
STYLE = Style(
    font_family="-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
    background="transparent", plot_background="transparent", foreground="rgba(48, 48, 48, 1)",
    foreground_strong="rgba(32, 32, 32, 1)", foreground_subtle="rgba(97, 97, 97, 1)", opacity=".9",
    opacity_hover="1", colors=COLOURS, title_font_size=17, label_font_size=14, major_label_font_size=14,
    legend_font_size=14, value_font_size=13, no_data_font_size=20)
KINDS = {"bar": pygal.Bar, "stacked": pygal.StackedBar, "horizontal": pygal.HorizontalBar}


def chart_svg(kind: str, *, title: str, description: str, labels: list[str], series: list[tuple[str, list]],
              y_title: str | None = None, no_data: str = "Nothing to show", percent: bool = False,
              top: float | None = None, legend: bool = True) -> str:
    """An accessible, self-contained SVG chart: `series` are (name, one value per label; None for none); `top`
    fixes the scale's top (100 for shares of a whole)."""
    chart = KINDS[kind](
        style=STYLE, js=[], disable_xml_declaration=True, explicit_size=False, width=800, height=380, margin_bottom=24,
        title=title, y_title=y_title, x_labels=labels, x_label_rotation=30 if len(labels) > 8 else 0,
        truncate_label=24, legend_at_bottom=True, legend_at_bottom_columns=4, show_legend=legend,
        no_data_text=no_data, print_values=False, range=None if top is None else (0, top),
        value_formatter=(lambda v: f"{v:g} %") if percent else (lambda v: f"{v:,.2f}".rstrip("0").rstrip(".")))
    for name, values in series:
        chart.add(name, values)
    return _self_contained(chart.render_tree(), description)


def _self_contained(root: ElementTree.Element, description: str) -> str:
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == "script" or child.tag is ElementTree.Comment:
                parent.remove(child)
    chart_id = root.get("id")
    title = root.find("title")  # pygal's, first: the chart's heading
    title.set("id", f"{chart_id}-title")
    desc = ElementTree.Element("desc", id=f"{chart_id}-desc")
    desc.text = description
    root.insert(list(root).index(title) + 1, desc)
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
    return ElementTree.tostring(root, encoding="unicode")
