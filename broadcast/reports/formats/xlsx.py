"""XLSX with openpyxl: a sheet per table, typed cells (numbers, dates), number formats and column widths."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .tables import report_tables, scope_line

SHEET_NAMES = {
    "totals": "Tong hop",
    "by_category": "Chuyen muc",
    "targets": "Chi tieu",
    "change": "So voi ky truoc",
    "by_department": "Don vi",
    "by_station": "Dai",
    "devices": "Thiet bi",
    "relays": "Tiep song",
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


def to_xlsx(report: dict) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for table in report_tables(report):
        ws = wb.create_sheet(SHEET_NAMES.get(table.key, table.key)[:31])
        ws.append([table.title])
        ws["A1"].font = Font(bold=True, size=12)
        ws.append([scope_line(report)])
        ws.append([])
        ws.append([c.title for c in table.cols])
        header_row = ws.max_row
        for cell in ws[header_row]:
            cell.font = Font(bold=True)
            cell.fill = HEAD_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for n, row in enumerate(table.rows):
            ws.append(row)
            r = ws.max_row
            for i, col in enumerate(table.cols, start=1):
                cell = ws.cell(row=r, column=i)
                if col.kind in FORMATS:
                    cell.number_format = FORMATS[col.kind]
                if table.emphasis and n in table.emphasis:
                    cell.font = Font(bold=True)
        for i, col in enumerate(table.cols, start=1):
            longest = max(
                [len(col.title) // 2 + 2]
                + [len(str(row[i - 1])) + 2 for row in table.rows if row[i - 1] is not None and col.kind == "text"]
            )
            ws.column_dimensions[get_column_letter(i)].width = max(col.width, min(longest, 70))
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(table.cols))}{ws.max_row}"
    wb.properties.title = "Báo cáo thời lượng phát thanh " + report["period"]["label"]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
