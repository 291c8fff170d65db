"""Renderings of the airtime report: ``render(report, fmt)`` -> ``Rendered`` (bytes, media type, file name)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ...errors import ValidationError

FORMATS = ("json", "csv", "xlsx", "html", "pdf")
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class Rendered:
    content: bytes
    media_type: str
    filename: str


def check_format(fmt: str | None) -> str:
    value = (fmt or "json").strip().lower()
    if value not in FORMATS:
        raise ValidationError(
            f"Định dạng {fmt!r} không được hỗ trợ: chọn một trong {', '.join(FORMATS)}.", field="format"
        )
    return value


def filename(report: dict, fmt: str) -> str:
    station = report["station"]["code"] if report.get("station") else "tat-ca"
    if report.get("cluster"):
        station += "-" + report["cluster"]["code"]
    code = report["period"]["code"].replace("..", "_")
    return f"bao-cao-thoi-luong-{code}-{station}.{fmt}"


def render(report: dict, fmt: str) -> Rendered:
    fmt = check_format(fmt)
    if fmt == "json":
        content = json.dumps(report, ensure_ascii=False, indent=2).encode()
    elif fmt == "csv":
        from .csv import to_csv

        content = to_csv(report)
    elif fmt == "xlsx":
        from .xlsx import to_xlsx

        content = to_xlsx(report)
    elif fmt == "html":
        from .html import to_html

        content = to_html(report).encode()
    else:
        from .pdf import to_pdf

        content = to_pdf(report)
    return Rendered(content, MEDIA_TYPES[fmt], filename(report, fmt))
