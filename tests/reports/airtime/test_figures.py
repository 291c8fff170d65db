"""Figures of a group and the roll-ups of the grouped SQL rows (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from broadcast.reports.airtime.figures import (
    Figures,
    SessionCounts,
    minutes,
    roll_items,
    roll_sessions,
    seconds,
)

D1, D2 = date(2025, 10, 1), date(2025, 10, 2)


@pytest.mark.parametrize("ms, secs", [(0, 0), (None, 0), (499, 0), (500, 0), (1_500, 2), (119_600, 120), (2_500, 2)])
def test_seconds_round_half_to_even_as_python_does(ms, secs):
    assert seconds(ms) == secs


@pytest.mark.parametrize("secs, mins", [(0, 0.0), (60, 1.0), (90, 1.5), (100, 1.7), (720, 12.0)])
def test_minutes_one_decimal(secs, mins):
    assert minutes(secs) == mins


@pytest.mark.parametrize(
    "manual, not_aired, keys",
    [
        (
            True,
            True,
            [
                "airings",
                "duration_s",
                "minutes",
                "cchc_airings",
                "cchc_duration_s",
                "manual_airings",
                "manual_duration_s",
                "interrupted",
                "not_aired",
            ],
        ),
        (False, True, ["airings", "duration_s", "minutes", "cchc_airings", "cchc_duration_s", "not_aired"]),
        (
            True,
            False,
            [
                "airings",
                "duration_s",
                "minutes",
                "cchc_airings",
                "cchc_duration_s",
                "manual_airings",
                "manual_duration_s",
                "interrupted",
            ],
        ),
        (False, False, ["airings", "duration_s", "minutes", "cchc_airings", "cchc_duration_s"]),
    ],
)
def test_as_dict_keys_in_report_order(manual, not_aired, keys):
    f = Figures(
        airings=3,
        ms=90_400,
        cchc_airings=1,
        cchc_ms=30_000,
        manual_airings=1,
        manual_ms=10_000,
        interrupted=1,
        not_aired=2,
    )
    d = f.as_dict(manual=manual, not_aired=not_aired)
    assert list(d) == keys
    assert (d["airings"], d["duration_s"], d["minutes"], d["cchc_duration_s"]) == (3, 90, 1.5, 30)


def test_of_totals_reads_sql_sums():
    f = Figures.of_totals({"n": 4, "ms": 61_000, "cn": 1, "cms": None})
    assert (f.airings, f.ms, f.cchc_airings, f.cchc_ms) == (4, 61_000, 1, 0)


def test_roll_sessions_adds_station_rows_and_keeps_days():
    rows = [  # kind, station, day, n, ms, cn, cms, aired, cchc, missed, not_aired, flag(cchc-tthc)
        ("d", None, D1, 3, 420_000, 1, 120_000, 0, 0, 0, 0, 0),
        ("s", 1, None, 4, 270_000, 1, 120_000, 2, 1, 0, 0, 1),
        ("s", 2, None, 1, 240_000, 0, None, 1, 0, 0, 0, 0),
        ("m", 1, None, 0, 0, 0, 0, 0, 0, 1, 3, 0),
        ("m", 3, None, 0, 0, 0, 0, 0, 0, 0, 1, 0),  # a station where nothing aired
    ]
    r = roll_sessions(rows, ("cchc-tthc",))
    assert r.by_day == {D1: Figures(airings=3, ms=420_000, cchc_airings=1, cchc_ms=120_000)}
    assert r.by_station[1] == Figures(airings=4, ms=270_000, cchc_airings=1, cchc_ms=120_000, not_aired=3)
    assert r.by_station[2] == Figures(airings=1, ms=240_000) and r.by_station[3] == Figures(not_aired=1)
    assert r.sessions[1] == SessionCounts(aired=2, missed=1, cchc=1) and r.sessions[2] == SessionCounts(aired=1)
    assert r.sessions_by_category == {"cchc-tthc": 1}


def test_roll_items_by_category_and_department():
    def item(cat, dept, n, ms, mn=0, mms=0, intr=0):
        return {"category_code": cat, "department_code": dept, "n": n, "ms": ms, "mn": mn, "mms": mms, "intr": intr}

    rows = [
        item("cchc-tthc", "VP", 2, 240_000),
        item("thien-tai", "DCXD", 1, 180_000, 1, 180_000),
        item("cchc-tthc", None, 1, 60_000, intr=1),
        item(None, "VP", 1, 10_000),
    ]
    cats, depts = roll_items(rows, [("y-te", 1), ("cchc-tthc", 2)])
    assert list(cats) == ["cchc-tthc", "thien-tai", None, "y-te"]
    assert cats["cchc-tthc"] == Figures(
        airings=3, ms=300_000, cchc_airings=3, cchc_ms=300_000, interrupted=1, not_aired=2
    )
    assert cats["thien-tai"].manual_ms == 180_000 and cats["thien-tai"].cchc_ms == 0
    assert cats["y-te"] == Figures(not_aired=1)
    assert depts["VP"] == Figures(airings=3, ms=250_000, cchc_airings=2, cchc_ms=240_000)
    assert depts[""].airings == 1 and depts[""].interrupted == 1
