"""CSV: every table one after the other, each under its title row, UTF-8 with BOM (Excel opens it right)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from .tables import report_tables, scope_line


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_csv(report: dict) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["Báo cáo thời lượng phát thanh", scope_line(report)])
    for table in report_tables(report):
        w.writerow([])
        w.writerow([f"## {table.title}", *([table.note] if table.note else [])])
        w.writerow([c.title for c in table.cols])
        for row in table.rows:
            w.writerow([_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
