"""Every format produced and opened back."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from broadcast.errors import ValidationError
from broadcast.reports.airtime import airtime_report
from broadcast.reports.formats import check_format, render
from broadcast.reports.periods import parse_period


@pytest.fixture
def october(session, asrun_log):
    return airtime_report(session, parse_period("2025-10"), tz=ZoneInfo("Asia/Ho_Chi_Minh"), wards=["MOLAO"])


def test_json_round_trip(october):
    out = render(october, "json")
    data = json.loads(out.content)
    assert data["period"] == {**data["period"], "label": "Tháng 10/2025", "start": "2025-10-01", "end": "2025-10-31"}
    assert {"airings", "duration_s", "cchc_duration_s", "bulletins"} <= set(data["totals"])
    assert {"code", "name", "airings", "duration_s"} <= set(data["by_category"][0])
    assert {"target", "achieved", "percent"} <= set(data["targets"][0])
    assert out.filename == "bao-cao-thoi-luong-2025-10-tat-ca.json"


def test_csv_parses_back(october):
    out = render(october, "csv")
    text = out.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Báo cáo thời lượng phát thanh"
    titles = [r[0] for r in rows if r and r[0].startswith("## ")]
    assert "## Theo chuyên mục (lĩnh vực CCHC gộp nhóm)" in titles and "## Theo ngày" in titles
    tthc = next(r for r in rows if r and r[0] == "cchc-tthc")
    assert tthc[2] == "2" and float(tthc[3]) == 4.0
    total = next(r for r in rows if len(r) > 1 and r[1] == "TỔNG CỘNG")
    assert total[2] == "5" and float(total[3]) == 12.0
    assert any(r and r[0] == "2025-10-31" for r in rows)


def test_xlsx_opens_with_typed_cells(october):
    wb = load_workbook(io.BytesIO(render(october, "xlsx").content))
    assert {"Tong hop", "Chuyen muc", "Chi tieu", "Tin bai", "Theo ngay"} <= set(wb.sheetnames)
    ws = wb["Chuyen muc"]
    header = [c.value for c in ws[4]]
    assert header[:4] == ["Mã", "Chuyên mục", "Lượt phát", "Thời lượng (phút)"]
    tthc = next(r for r in ws.iter_rows(min_row=5, values_only=True) if r[0] == "cchc-tthc")
    assert tthc[2] == 2 and isinstance(tthc[2], int) and tthc[3] == 4.0
    assert ws.column_dimensions["B"].width >= 40
    assert ws["D5"].number_format == "#,##0.0"
    days = wb["Theo ngay"]
    first = days.cell(row=5, column=1).value
    assert first.date() == date(2025, 10, 1) and days.cell(row=5, column=1).number_format == "DD/MM/YYYY"
    bulletins = wb["Tin bai"]
    assert bulletins.cell(row=5, column=8).value.hour in (6, 17, 23)


def test_html_is_printable_and_self_contained(october):
    html = render(october, "html").content.decode()
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html and "Độc lập - Tự do - Hạnh phúc" in html
    assert "Tháng 10/2025" in html and "data:image/png;base64," in html
    assert "<script" not in html


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) not installed")
def test_pdf_renders_to_a_non_empty_image(october, tmp_path):
    pdf = render(october, "pdf").content
    assert pdf.startswith(b"%PDF")
    (tmp_path / "r.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(tmp_path / "r.pdf"), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    page = next(tmp_path.glob("page*.png"))
    assert page.stat().st_size > 5000
    from PIL import Image

    with Image.open(page) as img:
        extrema = img.convert("L").getextrema()
    assert extrema[0] < 100 and extrema[1] > 200  # ink on paper, not a blank page
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True).stdout
    if text:
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "BÁO CÁO" in text


def test_empty_report_renders_in_every_format(session, asrun_log):
    empty = airtime_report(session, parse_period("2024-02"), tz=ZoneInfo("Asia/Ho_Chi_Minh"), wards=["MOLAO"])
    for fmt in ("json", "csv", "xlsx", "html", "pdf"):
        assert render(empty, fmt).content


def test_unsupported_format():
    with pytest.raises(ValidationError) as err:
        check_format("docx")
    assert err.value.field == "format"
