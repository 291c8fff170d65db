"""A printable, self-contained HTML page: the charts are embedded as PNG data URIs, the CSS inline.

Served by the web app with its own Content-Security-Policy (no script at all,
inline style and data: images only)."""

from __future__ import annotations

import base64
from datetime import date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .charts import category_chart, daily_chart
from .tables import issuer, recipients, report_tables, scope_line, signer

HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def cell(value, kind: str) -> str:
    from ..narrative import vn_number

    if value is None:
        return "–"
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if kind == "int" or (kind == "number" and float(value).is_integer()):
        return vn_number(value)
    if kind in ("minutes", "number", "percent"):
        return vn_number(value, 1)
    return str(value)


_env.filters["cell"] = cell


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def to_html(report: dict, *, charts: bool = True) -> str:
    images = {}
    if charts:
        images = {"categories": _data_uri(category_chart(report)), "days": _data_uri(daily_chart(report))}
    return _env.get_template("report.html").render(
        r=report,
        tables=report_tables(report),
        scope=scope_line(report),
        images=images,
        issuer=issuer(report),
        recipients=recipients(report),
        signer=signer(report),
    )
