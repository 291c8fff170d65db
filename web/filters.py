"""Jinja filters for numbers on pages, written the Vietnamese way as in the PDF and XLSX reports
(one formatter: broadcast.reports.narrative.vn_number): 1.234 lượt, 38,2 phút, 63,7%."""

from __future__ import annotations

from flask import Flask

from broadcast.reports.narrative import vn_number, vn_percent


def number(value, decimals: int | None = None) -> str:
    """``{{ x|number }}``: a whole number as is, otherwise one decimal; ``{{ x|number(2) }}`` fixed."""
    if value is None:
        return "–"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    return vn_number(value, decimals)


def init_app(app: Flask) -> None:
    app.add_template_filter(number, "number")
    app.add_template_filter(vn_percent, "percent")  # 63,7%; "–" when there is no target
