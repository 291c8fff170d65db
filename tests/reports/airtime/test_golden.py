"""The whole airtime report, key by key and value by value, against a stored copy.

The report is what the ward sends upward, so a refactoring of its code must not change one figure, label or
ordering.  The data: the demo ward with 120 days of airtime history up to 20/10/2025, plus rows for every
counting rule (interrupted, manual, not aired, a second station, unknown and empty categories, no department),
targets per day, week, month, quarter and year, and plays on the public page, embed and podcast around the
periods' edges.  ``generated_at`` is the only field left out (it is the clock).  After a deliberate change of
the report, regenerate the copy with
``LP_UPDATE_GOLDEN=1 .venv/bin/pytest tests/reports/airtime/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from broadcast.domain.models import AsRun, Bulletin, Listen, Plan, Station
from broadcast.reports.airtime import airtime_report
from broadcast.reports.periods import parse_period

GOLDEN = Path(__file__).parent / "golden" / "airtime.json"
LOCAL = timezone(timedelta(hours=7))

CASES = {
    "month": ("2025-10", {}),
    "month_one_station": ("2025-10", {"station": "MOLAO"}),
    "month_second_station": ("2025-10", {"station": "XA2"}),
    "month_no_previous": ("2025-10", {"include_previous": False}),
    "quarter": ("2025-Q3", {}),
    "nine_months": ("2025-9M", {}),
    "year": ("2025", {}),
    "range": (("2025-10-05", "2025-10-12"), {}),
    "empty": ("2024-02", {}),
}


def _listens(s) -> None:
    """Plays on the public channels: October (and one the day before, one the day after it), July."""
    bulletins = list(s.scalars(select(Bulletin).order_by(Bulletin.id).limit(3)))
    for n, (day, channel, count) in enumerate(
        (
            (date(2025, 10, 1), "page", 4),
            (date(2025, 10, 7), "podcast", 2),
            (date(2025, 10, 31), "embed", 1),
            (date(2025, 9, 30), "page", 8),
            (date(2025, 11, 1), "page", 16),
            (date(2025, 7, 2), "podcast", 3),
        )
    ):
        s.add(Listen(bulletin_id=bulletins[n % 3].id, channel=channel, day=day, count=count))


@pytest.fixture
def golden_log(runtime):
    from broadcast.demo import load_demo
    from broadcast.reports.plans import add_target

    with runtime.unit() as s:
        load_demo(s, runtime.settings, today=date(2025, 10, 20), history_days=120)
        molao = s.scalar(select(Station).where(Station.code == "MOLAO"))
        xa2 = Station(ward=molao.ward, code="XA2", name="Đài truyền thanh cụm 2")
        s.add(xa2)
        s.flush()

        def row(station, at, session_code, cat, dept, status, aired_ms, planned_ms=None, source="playout"):
            s.add(
                AsRun(
                    station_id=station.id,
                    air_date=at.date(),
                    session_code=session_code,
                    category_code=cat,
                    department_code=dept,
                    status=status,
                    aired_ms=aired_ms,
                    planned_ms=planned_ms or aired_ms,
                    source=source,
                    title=f"{cat or 'không rõ'} {at:%d/%m %H:%M}",
                    actual_start=at.astimezone(UTC),
                    kind="bulletin",
                )
            )

        row(
            molao,
            datetime(2025, 10, 1, 6, 2, tzinfo=LOCAL),
            "sang",
            "cchc-chinh-quyen-so",
            "CA",
            "interrupted",
            60_000,
            90_000,
        )
        row(molao, datetime(2025, 10, 1, 6, 5, tzinfo=LOCAL), "sang", "y-te", "YTE", "failed", 0, 60_000)
        row(
            molao,
            datetime(2025, 10, 15, 17, tzinfo=LOCAL),
            "chieu",
            "thien-tai",
            "DCXD",
            "aired",
            0,
            180_000,
            source="manual",
        )
        row(molao, datetime(2025, 10, 15, 20, tzinfo=LOCAL), "toi", "cchc-tthc", "VP", "missed", 0, 90_000)
        row(molao, datetime(2025, 10, 31, 23, 30, tzinfo=LOCAL), "khuya", "cchc-tthc", "VP", "aired", 120_000)
        row(xa2, datetime(2025, 10, 10, 6, tzinfo=LOCAL), "sang", "van-hoa", "MTTQ", "aired", 240_000)
        row(xa2, datetime(2025, 10, 11, 6, tzinfo=LOCAL), "sang", "ma-la", None, "aired", 30_000)
        row(xa2, datetime(2025, 10, 12, 6, tzinfo=LOCAL), "sang", "", "", "skipped", 0, 30_000)
        row(xa2, datetime(2025, 7, 1, 6, tzinfo=LOCAL), "sang", "cchc-chung", "VP", "aired", 100_000)
        _listens(s)
        plan = s.scalar(select(Plan))
        for metric, code, value, per in (
            ("column_sessions", "cchc-tthc", 4, "month"),
            ("airings", None, 3, "day"),
            ("minutes", "cchc-chinh-quyen-so", 5, "week"),
            ("airings", "cchc-tthc", 30, "quarter"),
            ("minutes", "y-te", 100, "year"),
            ("column_sessions", None, 30, "month"),
        ):
            add_target(s, plan, {"metric": metric, "category_code": code, "value": value, "per": per})


def _reports(session, tz) -> dict:
    out = {}
    for name, (period, kw) in CASES.items():
        parsed = (
            parse_period(date_from=period[0], date_to=period[1]) if isinstance(period, tuple) else parse_period(period)
        )
        # the demo ward's report, as a ward user gets it (the demo's other wards are left out)
        report = airtime_report(session, parsed, tz=tz, wards=["MOLAO"], **kw)
        report.pop("generated_at")
        out[name] = json.loads(json.dumps(report, ensure_ascii=False))
    return out


def test_report_unchanged(session, settings, golden_log):
    got = _reports(session, settings.tz)
    if os.environ.get("LP_UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert list(got) == list(want)
    for name in CASES:
        for key in want[name]:  # value by value first: a readable failure
            assert got[name].get(key) == want[name][key], (name, key)
        # then the very JSON the API sends: same keys in the same order, at every level
        assert json.dumps(got[name], ensure_ascii=False) == json.dumps(want[name], ensure_ascii=False), name
