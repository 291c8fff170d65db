"""XLSX with openpyxl: a sheet per table (a section's tables may share one), typed cells (numbers, dates),
number formats and column widths."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .tables import issuer, report_tables, scope_line

SHEET_NAMES = {
    "totals": "Tong hop",
    "by_category": "Chuyen muc",
    "targets": "Chi tieu",
    "change": "So voi ky truoc",
    "by_department": "Don vi",
    "by_station": "Dai",
    "by_ward": "Phuong xa",
    "by_ward_category": "Phuong xa",  # under the wards' table, on the same sheet
    "compliance": "Thuc hien ke hoach",
    "devices": "Thiet bi",
    "relays": "Tiep song",
    "listens": "Nghe truc tuyen",
    "listens_top": "Nghe truc tuyen",  # the same sheet: the section's two tables one under the other
    "by_bulletin": "Tin bai",
    "by_day": "Theo ngay",
}
FORMATS = {
    "int": "#,##0",
    "minutes": "#,##0.0",
    "number": "#,##0.0",
    "percent": "0.0",
    "date": "DD/MM/YYYY",
    "datetime": "DD/MM/YYYY HH:MM",
}
HEAD_FILL = PatternFill("solid", fgColor="DDE7F5")


def _head(ws, table) -> int:
    """The column titles (bold, shaded); returns their row."""
    ws.append([c.title for c in table.cols])
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    return header_row


def _body(ws, table) -> None:
    for n, row in enumerate(table.rows):
        ws.append(row)
        r = ws.max_row
        for i, col in enumerate(table.cols, start=1):
            cell = ws.cell(row=r, column=i)
            if col.kind in FORMATS:
                cell.number_format = FORMATS[col.kind]
            if table.emphasis and n in table.emphasis:
                cell.font = Font(bold=True)


def _widths(ws, table) -> None:
    """Wide enough for the longest text (to a limit), never narrower than a table already on the sheet made it."""
    for i, col in enumerate(table.cols, start=1):
        longest = max(
            [len(col.title) // 2 + 2]
            + [len(str(row[i - 1])) + 2 for row in table.rows if row[i - 1] is not None and col.kind == "text"]
        )
        letter = get_column_letter(i)
        before = ws.column_dimensions[letter].width if letter in ws.column_dimensions else 0
        ws.column_dimensions[letter].width = max(before, col.width, min(longest, 70))


def _first_table(ws, table, scope: str) -> None:
    """A sheet's table: title, scope, the note, column titles on row 4 (frozen, filtered), the rows."""
    ws.append([table.title])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append([scope])
    ws.append([table.note] if table.note else [])
    header_row = _head(ws, table)
    _body(ws, table)
    _widths(ws, table)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(table.cols))}{ws.max_row}"


def _next_table(ws, table) -> None:
    """A further table of the same section, below the first after an empty row (no filter: one per sheet)."""
    ws.append([])
    ws.append([table.title])
    ws.cell(row=ws.max_row, column=1).font = Font(bold=True, size=12)
    if table.note:
        ws.append([table.note])
    _head(ws, table)
    _body(ws, table)
    _widths(ws, table)


def to_xlsx(report: dict) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    scope = scope_line(report)
    if issuer(report):  # a province report: its issuer heads every sheet's scope line
        scope = f"{issuer(report)} · {scope}"
    for table in report_tables(report):
        name = SHEET_NAMES.get(table.key, table.key)[:31]
        if name in wb.sheetnames:
            _next_table(wb[name], table)
        else:
            _first_table(wb.create_sheet(name), table, scope)
    wb.properties.title = "Báo cáo thời lượng phát thanh " + report["period"]["label"]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
