"""The report's relay section: relayed time per upstream beside the station's own content, in every format."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from broadcast.domain.models import AsRun, Station, UpstreamSource
from broadcast.reports.airtime import airtime_report
from broadcast.reports.formats import render
from broadcast.reports.periods import parse_period

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def relay_log(runtime, demo):
    """October 2025 at MOLAO: two VOV1 slots (one partly covered by its fallback), one provincial slot that
    never reached its upstream, and 10 minutes of the station's own bulletins."""
    with runtime.unit() as s:
        station = s.scalar(select(Station).where(Station.code == "MOLAO"))
        s.add(UpstreamSource(code="VOV1", name="VOV1", url="http://vov.example/vov1", category="national"))
        s.add(UpstreamSource(code="TINH", name="Đài tỉnh", url="http://tinh.example/live", category="province"))

        def row(day, kind, status, aired_s, *, upstream=None, fallback_s=None, month=10):
            s.add(
                AsRun(
                    station_id=station.id,
                    air_date=date(2025, month, day),
                    session_code="sang",
                    kind=kind,
                    status=status,
                    aired_ms=aired_s * 1000,
                    planned_ms=900_000 if kind == "relay" else aired_s * 1000,
                    title="Tiếp sóng" if kind == "relay" else "Tin",
                    category_code=None if kind == "relay" else "cchc-tthc",
                    actual_start=datetime(2025, month, day, 0, 0, tzinfo=UTC),
                    upstream=upstream,
                    fallback_ms=fallback_s * 1000 if fallback_s is not None else None,
                )
            )

        row(1, "relay", "aired", 900, upstream="VOV1", fallback_s=0)
        row(2, "relay", "aired", 600, upstream="VOV1", fallback_s=300)
        row(3, "relay", "failed", 0, upstream="Đài tỉnh", fallback_s=900)
        row(1, "bulletin", "aired", 300)
        row(2, "bulletin", "aired", 300)
        row(1, "relay", "aired", 900, upstream="VOV1", fallback_s=0, month=11)  # another month: not counted
    return runtime


@pytest.fixture
def october(session, relay_log):
    return airtime_report(session, parse_period("2025-10"), tz=TZ)


def test_relayed_time_by_upstream_beside_own_content(session, relay_log):
    report = airtime_report(session, parse_period("2025-10"), tz=TZ)
    rel = report["relays"]
    assert rel["by_upstream"] == [
        {
            "upstream": "VOV1",
            "category": "national",
            "category_name": "Đài quốc gia (VOV)",
            "slots": 2,
            "relayed_s": 1500,
            "relayed_minutes": 25.0,
            "fallback_s": 300,
            "not_relayed": 0,
        },
        {
            "upstream": "Đài tỉnh",
            "category": "province",
            "category_name": "Đài tỉnh",
            "slots": 1,
            "relayed_s": 0,
            "relayed_minutes": 0.0,
            "fallback_s": 900,
            "not_relayed": 1,
        },
    ]
    assert rel["relayed_s"] == 1500 and rel["own_s"] == 600 and rel["relayed_share_percent"] == 71.4


def test_no_section_without_relays(session, relay_log):
    assert "relays" not in airtime_report(session, parse_period("2025-09"), tz=TZ)


def test_formats_carry_the_section(october):
    rows = list(csv.reader(io.StringIO(render(october, "csv").content.decode("utf-8-sig"))))
    at = rows.index(["## Tiếp sóng theo nguồn, bên cạnh nội dung của đài"])
    assert rows[at + 2][:4] == ["VOV1", "Đài quốc gia (VOV)", "2", "25.0"]
    assert rows[at + 4][0] == "Nội dung của đài" and rows[at + 4][3] == "10.0"
    ws = load_workbook(io.BytesIO(render(october, "xlsx").content))["Tiep song"]
    assert [c.value for c in ws[5]][:2] == ["VOV1", "Đài quốc gia (VOV)"]
    html = render(october, "html").content.decode()
    assert "Tiếp sóng theo nguồn" in html and "<td>Đài tỉnh</td>" in html
    pdf = render(october, "pdf").content
    without = {k: v for k, v in october.items() if k != "relays"}
    assert pdf.startswith(b"%PDF") and len(pdf) > len(render(without, "pdf").content)


def test_report_page_shows_it(login_as, relay_log):
    page = login_as("xem").get("/reports/airtime?period=2025-10").get_data(as_text=True)
    assert "Tiếp sóng theo nguồn" in page and "VOV1" in page and "Nội dung của đài" in page
