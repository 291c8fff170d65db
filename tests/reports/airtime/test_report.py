"""Report figures against the hand-computed expectations of the fixed log (tests/reports/conftest.py)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from broadcast.errors import ValidationError
from broadcast.reports.airtime import airtime_report
from broadcast.reports.periods import parse_period

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def report(session, period, **kw):
    kw.setdefault("wards", ["MOLAO"])  # the demo ward's report (an unscoped session sees the whole province)
    return airtime_report(session, parse_period(period), tz=TZ, **kw)


def test_october_totals(session, asrun_log):
    t = report(session, "2025-10")["totals"]
    assert (t["airings"], t["duration_s"], t["minutes"]) == (5, 720, 12.0)
    assert (t["cchc_airings"], t["cchc_duration_s"], t["cchc_minutes"]) == (3, 300, 5.0)
    assert t["bulletins"] == 1
    assert (t["sessions_aired"], t["sessions_missed"], t["cchc_sessions"]) == (4, 1, 2)
    assert (t["manual_airings"], t["manual_duration_s"], t["interrupted"], t["not_aired"]) == (1, 180, 1, 2)
    assert t["cchc_share_percent"] == pytest.approx(41.7)


def test_local_date_boundaries(session, asrun_log):
    # 06:00 local on 1 Oct is 30 Sep in UTC: October. 06:00 local on 1 Nov is 31 Oct in UTC: November.
    october = report(session, "2025-10")
    days = {d["date"]: d for d in october["by_day"]}
    assert days["2025-10-01"]["duration_s"] == 180 and days["2025-10-31"]["duration_s"] == 120
    assert len(october["by_day"]) == 31
    assert report(session, "2025-11")["totals"]["duration_s"] == 300
    assert report(session, "2025-09")["totals"]["duration_s"] == 60
    # quarters: 01/07 06:00 local (30/06 UTC) is quarter III
    assert report(session, "2025-Q3")["totals"]["duration_s"] == 160
    assert report(session, "2025-Q2")["totals"]["duration_s"] == 0
    assert report(session, "2025-Q4")["totals"]["duration_s"] == 1020
    assert report(session, "2025")["totals"]["airings"] == 8


def test_by_category_grouped_and_subtotalled(session, asrun_log):
    r = report(session, "2025-10")
    cats = {c["code"]: c for c in r["by_category"]}
    assert (cats["cchc-tthc"]["airings"], cats["cchc-tthc"]["duration_s"]) == (2, 240)
    assert (cats["cchc-chinh-quyen-so"]["airings"], cats["cchc-chinh-quyen-so"]["duration_s"]) == (1, 60)
    assert (cats["thien-tai"]["duration_s"], cats["thien-tai"]["manual_airings"]) == (180, 1)
    assert cats["y-te"]["airings"] == 0 and cats["y-te"]["duration_s"] == 0
    assert cats["cchc-bo-may"]["duration_s"] == 0  # every CCHC area is listed, even at zero
    first = [c["code"] for c in r["by_category"][:7]]
    assert all(code.startswith("cchc-") for code in first)
    groups = {g["code"]: g for g in r["category_groups"]}
    assert (groups["cchc"]["airings"], groups["cchc"]["duration_s"]) == (3, 300)
    assert (groups["other"]["airings"], groups["other"]["duration_s"]) == (2, 420)


def test_by_department_station_bulletin(session, asrun_log):
    r = report(session, "2025-10")
    depts = {d["code"]: d for d in r["by_department"]}
    assert depts["VP"]["duration_s"] == 240 and depts["VP"]["name"].startswith("Văn phòng")
    assert depts["CA"]["duration_s"] == 60 and depts["MTTQ"]["duration_s"] == 240
    assert "YTE" not in depts  # only aired time counts
    stations = {s["code"]: s for s in r["by_station"]}
    assert (stations["MOLAO"]["airings"], stations["MOLAO"]["duration_s"]) == (4, 480)
    assert (stations["MOLAO"]["sessions_aired"], stations["MOLAO"]["sessions_missed"]) == (3, 1)
    assert (stations["XA2"]["duration_s"], stations["XA2"]["sessions_aired"]) == (240, 1)
    bulletin = next(b for b in r["by_bulletin"] if b["bulletin_id"] == asrun_log["bulletin_id"])
    assert (bulletin["airings"], bulletin["duration_s"], bulletin["department"]) == (2, 240, "VP")
    assert bulletin["first_airing"] == "2025-10-01T06:00+07:00"
    assert bulletin["last_airing"] == "2025-10-31T23:30+07:00"
    manual = next(b for b in r["by_bulletin"] if b["category"] == "thien-tai")
    assert manual["manual_airings"] == 1 and manual["duration_s"] == 180


def test_one_station(session, asrun_log):
    r = report(session, "2025-10", station="xa2")
    assert r["station"]["code"] == "XA2"
    assert (r["totals"]["airings"], r["totals"]["duration_s"], r["totals"]["cchc_duration_s"]) == (1, 240, 0)
    assert [s["code"] for s in r["by_station"]] == ["XA2"]


def test_targets_scaled_to_the_period(session, asrun_log):
    month = {(t["metric"], t["category_code"]): t for t in report(session, "2025-10")["targets"]}
    assert (
        month[("minutes", "cchc")]["target"],
        month[("minutes", "cchc")]["achieved"],
        month[("minutes", "cchc")]["percent"],
    ) == (60, 5.0, 8.3)
    assert (
        month[("airings", "cchc")]["achieved"],
        month[("airings", "cchc")]["percent"],
        month[("airings", "cchc")]["met"],
    ) == (3, 150.0, True)
    assert month[("column_sessions", "cchc")]["achieved"] == 2 and month[("column_sessions", "cchc")]["met"]
    assert month[("minutes", "cchc-tthc")]["percent"] == pytest.approx(133.3)
    assert month[("column_sessions", "cchc-tthc")]["achieved"] == 2
    quarter = {(t["metric"], t["category_code"]): t for t in report(session, "2025-Q4")["targets"]}
    assert quarter[("minutes", "cchc")]["target"] == 180
    assert quarter[("airings", "cchc")]["target"] == 6


def test_change_against_previous_period(session, asrun_log):
    change = report(session, "2025-10")["change"]
    assert change["period"]["code"] == "2025-09"
    assert change["duration_s"] == {"current": 720, "previous": 60, "delta": 660, "percent": 1100.0}
    assert change["cchc_duration_s"]["previous"] == 60


def test_empty_period_is_a_report_of_zeros(session, asrun_log):
    r = report(session, "2024-02")
    assert r["totals"]["airings"] == 0 and r["totals"]["duration_s"] == 0
    assert len(r["by_day"]) == 29 and all(d["duration_s"] == 0 for d in r["by_day"])
    assert r["by_bulletin"] == [] and r["targets"] == []
    assert "chưa ghi nhận" in r["narrative"]


def test_narrative_in_vietnamese(session, asrun_log):
    text = report(session, "2025-10")["narrative"]
    assert text.startswith("Trong tháng 10/2025") and "12,0 phút" in text and "thủ công" in text


def test_unknown_station_is_refused(session, asrun_log):
    with pytest.raises(ValidationError) as err:
        report(session, "2025-10", station="KHONGCO")
    assert err.value.field == "station" and "KHONGCO" in err.value.message
