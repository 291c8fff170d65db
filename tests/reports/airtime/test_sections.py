"""One table per section builder of the airtime report (pure functions: figures in, rows out)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace as NS
from zoneinfo import ZoneInfo

import pytest

from broadcast.reports.airtime import sections
from broadcast.reports.airtime.figures import Figures, SessionCounts
from broadcast.reports.periods import parse_period

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CATS = [
    NS(id=1, code="thoi-su", name="Thời sự", is_cchc=False, sort_order=1, colour="#111111"),
    NS(id=2, code="cchc-tthc", name="Thủ tục hành chính", is_cchc=True, sort_order=5, colour="#222222"),
    NS(id=3, code="cchc-bo-may", name="Bộ máy", is_cchc=True, sort_order=2, colour="#333333"),
]


@pytest.mark.parametrize(
    "figures, codes, names",
    [
        ({}, ["cchc-bo-may", "cchc-tthc", "thoi-su"], ["Bộ máy", "Thủ tục hành chính", "Thời sự"]),
        (
            {"zz-moi": Figures(airings=1), None: Figures(airings=2)},
            ["cchc-bo-may", "cchc-tthc", "thoi-su", "", "zz-moi"],
            ["Bộ máy", "Thủ tục hành chính", "Thời sự", "Chưa phân loại", "zz-moi"],
        ),
        (
            {"cchc-tthc": Figures(airings=2, ms=60_000)},
            ["cchc-bo-may", "cchc-tthc", "thoi-su"],
            ["Bộ máy", "Thủ tục hành chính", "Thời sự"],
        ),
    ],
)
def test_category_rows_cchc_first_then_unknown_codes(figures, codes, names):
    rows = sections.category_rows(CATS, figures)
    assert [r["code"] for r in rows] == codes and [r["name"] for r in rows] == names
    assert [r["group"] for r in rows][:2] == ["cchc", "cchc"]
    unknown = [r for r in rows if r["code"] in ("", "zz-moi")]
    assert all(r["colour"] == sections.UNKNOWN_COLOUR and r["group"] == "other" for r in unknown)
    assert all("not_aired" in r and "manual_airings" in r for r in rows)


def test_category_groups_subtotal_the_rows_above():
    rows = sections.category_rows(
        CATS,
        {
            "cchc-tthc": Figures(airings=2, ms=61_400, cchc_airings=2, cchc_ms=61_400),
            "cchc-bo-may": Figures(airings=1, ms=29_600, cchc_airings=1, cchc_ms=29_600),
            "thoi-su": Figures(airings=1, ms=30_000, not_aired=1),
        },
    )
    cchc, other = sections.category_groups(rows)
    assert (cchc["code"], cchc["airings"], cchc["duration_s"], cchc["minutes"]) == ("cchc", 3, 91, 1.5)
    assert cchc["categories"] == ["cchc-bo-may", "cchc-tthc"]
    assert (other["code"], other["airings"], other["not_aired"], other["categories"]) == ("other", 1, 1, ["thoi-su"])


@pytest.mark.parametrize(
    "figures, order",
    [
        ({"VP": Figures(ms=60_000), "CA": Figures(ms=120_000), "": Figures(ms=60_000)}, ["CA", "", "VP"]),
        ({}, []),
    ],
)
def test_department_rows_longest_first(figures, order):
    rows = sections.department_rows(figures, {"VP": "Văn phòng", "CA": "Công an"})
    assert [r["code"] for r in rows] == order
    for r in rows:
        assert r["name"] == {"VP": "Văn phòng", "CA": "Công an", "": "Không ghi đơn vị"}[r["code"]]
        assert "not_aired" not in r and "manual_airings" in r


STATIONS = [NS(id=1, code="MOLAO", name="Mộ Lao"), NS(id=2, code="XA2", name="Cụm 2")]


@pytest.mark.parametrize("station_ids, codes", [(None, ["MOLAO", "XA2"]), ((2,), ["XA2"])])
def test_station_rows_in_scope_with_sessions(station_ids, codes):
    rows = sections.station_rows(
        STATIONS,
        station_ids,
        {1: Figures(airings=2, ms=60_000, not_aired=1)},
        {1: SessionCounts(aired=2, missed=1, cchc=1)},
    )
    assert [r["code"] for r in rows] == codes
    by = {r["code"]: r for r in rows}
    if "MOLAO" in by:
        m = by["MOLAO"]
        assert (m["airings"], m["not_aired"], m["sessions_aired"], m["sessions_missed"], m["cchc_sessions"]) == (
            2,
            1,
            2,
            1,
            1,
        )
        assert "manual_airings" not in m
    assert (by["XA2"]["airings"], by["XA2"]["sessions_aired"]) == (0, 0)


def test_day_rows_every_date():
    d = date(2024, 2, 10)
    rows = sections.day_rows(parse_period("2024-02").dates(), {d: Figures(airings=1, ms=90_000)})
    assert len(rows) == 29
    assert rows[9] == {
        "date": "2024-02-10",
        "airings": 1,
        "duration_s": 90,
        "minutes": 1.5,
        "cchc_airings": 0,
        "cchc_duration_s": 0,
    }


@pytest.mark.parametrize(
    "value, local",
    [
        (None, None),
        (datetime(2025, 9, 30, 23, 0, tzinfo=UTC), "2025-10-01T06:00+07:00"),
        (datetime(2025, 9, 30, 23, 0), "2025-10-01T06:00+07:00"),  # naive: UTC (SQLite MIN/MAX)
        ("2025-09-30 23:00:00.000000", "2025-10-01T06:00+07:00"),  # text (SQLite MIN/MAX)
    ],
)
def test_local_minute(value, local):
    assert sections.local_minute(value, TZ) == local


def test_bulletin_rows_named_and_sorted():
    def row(bid, title, cat, dept, n, ms):
        return {
            "bulletin_id": bid,
            "title": title,
            "category_code": cat,
            "department_code": dept,
            "n": n,
            "ms": ms,
            "mn": 0,
            "mms": 0,
            "intr": 0,
            "first": None,
            "last": None,
        }

    rows = sections.bulletin_rows(
        [
            row(1, "B", "cchc-tthc", "VP", 1, 60_000),
            row(None, None, None, None, 2, 60_000),
            row(2, "A", "thoi-su", "VP", 1, 60_000),
            row(3, "C", "la", "XX", 1, 120_000),
        ],
        {"cchc-tthc": "TTHC", "thoi-su": "Thời sự"},
        {"VP": "Văn phòng"},
        TZ,
    )
    assert [r["title"] for r in rows] == ["C", "", "A", "B"]
    c, blank = rows[0], rows[1]
    assert (c["category_name"], c["department_name"]) == ("Chưa phân loại", "Không ghi đơn vị")
    assert (blank["category"], blank["department"], blank["airings"]) == ("", "", 2)
    assert rows[3]["is_cchc"] and rows[3]["category_name"] == "TTHC"


def test_totals_from_categories_stations_and_bulletins():
    cats = sections.category_rows(
        CATS,
        {
            "cchc-tthc": Figures(airings=1, ms=60_000, cchc_airings=1, cchc_ms=60_000),
            "thoi-su": Figures(airings=2, ms=120_000, manual_airings=1, manual_ms=60_000),
        },
    )
    stations = [
        {"sessions_aired": 2, "sessions_missed": 1, "cchc_sessions": 1},
        {"sessions_aired": 1, "sessions_missed": 0, "cchc_sessions": 0},
    ]
    bulletins = [{"bulletin_id": 1}, {"bulletin_id": 1}, {"bulletin_id": None}]
    t = sections.totals(cats, stations, bulletins)
    assert (t["airings"], t["duration_s"], t["minutes"], t["cchc_minutes"]) == (3, 180, 3.0, 1.0)
    assert (t["bulletins"], t["items"], t["sessions_aired"], t["sessions_missed"], t["cchc_sessions"]) == (
        1,
        3,
        3,
        1,
        1,
    )
    assert (t["manual_airings"], t["manual_duration_s"], t["cchc_share_percent"]) == (1, 60, 33.3)
    assert sections.totals([], [], [])["cchc_share_percent"] is None


@pytest.mark.parametrize(
    "current, previous, out",
    [
        (720, 60, {"current": 720, "previous": 60, "delta": 660, "percent": 1100.0}),
        (5, 0, {"current": 5, "previous": 0, "delta": 5, "percent": None}),
        (1, 3, {"current": 1, "previous": 3, "delta": -2, "percent": -66.7}),
    ],
)
def test_change(current, previous, out):
    assert sections.change(current, previous) == out


def test_change_section_names_the_previous_period():
    totals = {"airings": 3, "duration_s": 180, "cchc_airings": 1, "cchc_duration_s": 60}
    c = sections.change_section(totals, parse_period("2025-09"), Figures(airings=1, ms=60_000))
    assert c["period"] == {"code": "2025-09", "label": "Tháng 09/2025", "start": "2025-09-01", "end": "2025-09-30"}
    assert list(c) == ["period", "airings", "duration_s", "cchc_airings", "cchc_duration_s"]
    assert c["duration_s"]["delta"] == 120 and c["cchc_airings"]["percent"] is None


def test_header_sections():
    assert sections.ward_section(None) is None and sections.station_section(None) is None
    assert sections.plan_section(None) is None
    plan = NS(id=1, title="KH", number="28/KH", issued_on=None)
    assert sections.plan_section(plan) == {"id": 1, "title": "KH", "number": "28/KH", "issued_on": None}
    ward = NS(code="MOLAO", name="Mộ Lao", province="Hà Nội", district="Hà Đông")
    assert list(sections.ward_section(ward)) == ["code", "name", "province", "district"]
