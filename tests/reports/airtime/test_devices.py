"""The report's device section: airings, airtime, sessions and offline time per station agent, in every format
(the data and its hand-computed figures: ``conftest.py``)."""

from __future__ import annotations

import csv
import io
import json
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from broadcast.reports.airtime import airtime_report
from broadcast.reports.formats import render
from broadcast.reports.periods import parse_period

from .conftest import EXPECTED_OFFLINE

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def october(session, network_log):
    return airtime_report(session, parse_period("2025-10"), tz=TZ)


def test_device_rows(october):
    rows = {d["code"]: d for d in october["devices"]}
    assert list(rows) == ["LOA01", "LOA02", "LOA05"]  # by station, then code
    loa01 = rows["LOA01"]
    assert loa01 == {
        "code": "LOA01",
        "station": "MOLAO",
        "clusters": ["TDP01", "TDP02"],
        "airings": 3,
        "duration_s": 180,
        "minutes": 3.0,
        "sessions_aired": 2,
        "missed": 1,
        "skipped": 1,
        "offline_s": EXPECTED_OFFLINE["LOA01"],
        "offline_minutes": 270.0,
        "revoked": False,
    }
    assert (rows["LOA02"]["airings"], rows["LOA02"]["duration_s"], rows["LOA02"]["sessions_aired"]) == (2, 240, 1)
    assert rows["LOA02"]["clusters"] == []
    assert (rows["LOA05"]["airings"], rows["LOA05"]["duration_s"], rows["LOA05"]["missed"]) == (0, 0, 0)
    assert {code: r["offline_s"] for code, r in rows.items()} == EXPECTED_OFFLINE


def test_device_figures_are_part_of_the_totals(october):
    """The devices' rows are counted in the report like the server's: all MOLAO and XA2 rows of October."""
    assert october["totals"]["airings"] == 9 and october["totals"]["duration_s"] == 680


def test_section_only_for_stations_with_devices(session, network_log):
    xa2 = airtime_report(session, parse_period("2025-10"), station="XA2", tz=TZ)
    assert "devices" not in xa2 and xa2["totals"]["duration_s"] == 70
    assert "devices" not in render(xa2, "csv").content.decode("utf-8-sig")
    assert "Thiet bi" not in load_workbook(io.BytesIO(render(xa2, "xlsx").content)).sheetnames


def test_device_made_after_the_period_and_revoked_devices(session, network_log, runtime):
    from broadcast.network.devices import revoke_device

    september = airtime_report(session, parse_period("2025-09"), tz=TZ)
    # LOA02 was made in October; LOA01 and LOA05 from 01/09 08:00, never connected before their connect
    assert [d["code"] for d in september["devices"]] == ["LOA01", "LOA05"]
    loa01 = september["devices"][0]
    assert loa01["offline_s"] == (29 * 24 + 2) * 3600  # 01/09 08:00 to the connect on 30/09 10:00
    with runtime.unit() as s:
        revoke_device(s, "LOA05")
    session.expire_all()
    october = airtime_report(session, parse_period("2025-10"), tz=TZ)
    loa05 = next(d for d in october["devices"] if d["code"] == "LOA05")
    assert loa05["revoked"] and loa05["offline_s"] == EXPECTED_OFFLINE["LOA05"]  # revoked now: after October
    later = airtime_report(session, parse_period("2027-01"), tz=TZ)
    assert [d["code"] for d in later["devices"]] == ["LOA01", "LOA02"]  # a revoked device is gone from then on


def test_json(october):
    data = json.loads(render(october, "json").content)
    assert data["devices"] == october["devices"]


def test_csv_table(october):
    rows = list(csv.reader(io.StringIO(render(october, "csv").content.decode("utf-8-sig"))))
    at = rows.index(["## Theo thiết bị phát (lượt phát và thời gian mất kết nối trong kỳ)"])
    assert rows[at + 1][:4] == ["Thiết bị", "Đài", "Cụm loa phục vụ", "Lượt phát"]
    assert rows[at + 1][-1] == "Mất kết nối (phút)"
    assert rows[at + 2] == ["LOA01", "MOLAO", "TDP01, TDP02", "3", "3.0", "2", "1", "1", "270.0"]
    assert rows[at + 3][:3] == ["LOA02", "MOLAO", "Cả đài"]


def test_xlsx_sheet(october):
    ws = load_workbook(io.BytesIO(render(october, "xlsx").content))["Thiet bi"]
    assert [c.value for c in ws[4]][:3] == ["Thiết bị", "Đài", "Cụm loa phục vụ"]
    first = [c.value for c in ws[5]]
    assert first[0] == "LOA01" and first[3] == 3 and first[8] == 270.0
    assert ws.cell(row=5, column=9).number_format == "#,##0.0"


def test_html_and_pdf_tables(october):
    html = render(october, "html").content.decode()
    assert "Theo thiết bị phát" in html and "Mất kết nối (phút)" in html and "<td>LOA05</td>" in html
    assert "1.879.110" not in html and "31.318,5" in html  # minutes, Vietnamese digits (1,879,110 s)
    pdf = render(october, "pdf").content
    without = {k: v for k, v in october.items() if k != "devices"}
    assert pdf.startswith(b"%PDF") and len(pdf) > len(render(without, "pdf").content)


def test_page_and_api(login_as, client, api_token, network_log):
    page = login_as("xem").get("/reports/airtime?period=2025-10").get_data(as_text=True)
    assert "Theo thiết bị phát" in page and "LOA05" in page and "31.318,5" in page
    api = client.get("/api/v1/reports/airtime?period=2025-10", headers={"Authorization": f"Bearer {api_token('xem')}"})
    assert [d["offline_s"] for d in api.json["devices"]] == list(EXPECTED_OFFLINE.values())
