"""Quiet hours, back-to-back times and the timing warnings."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from types import SimpleNamespace as NS

import pytest

from broadcast.domain.models import Setting
from broadcast.programme.timing import (
    in_quiet_hours,
    quiet_hours,
    refresh_warnings,
    retime,
    timing_warnings,
)

NIGHT = (time(21), time(6))  # wraps midnight
NOON = (time(11, 30), time(13))


def at(hh, mm=0):
    return datetime(2025, 10, 1, hh, mm)


@pytest.mark.parametrize(
    "start, minutes, window, inside",
    [
        (at(6), 15, NIGHT, False),
        (at(5, 50), 15, NIGHT, True),
        (at(20, 50), 10, NIGHT, False),
        (at(20, 50), 11, NIGHT, True),
        (at(23), 5, NIGHT, True),
        (at(11), 30, NOON, False),
        (at(11), 31, NOON, True),
        (at(12), 5, NOON, True),
        (at(13), 30, NOON, False),
    ],
)
def test_in_quiet_hours(start, minutes, window, inside):
    assert in_quiet_hours(start, start + timedelta(minutes=minutes), window) is inside


@pytest.mark.parametrize(
    "stored, window",
    [
        (None, NIGHT),
        ("22:00-05:30", (time(22), time(5, 30))),
        ("rác", NIGHT),
        ("", NIGHT),
    ],
)
def test_quiet_hours_setting(session, settings, stored, window):
    if stored is not None:
        session.add(Setting(key="programme.quiet_hours", value=stored))
        session.flush()
    assert quiet_hours(session, settings) == window


def _programme(starts_local_hh, durations, max_s=900, priorities=None, warnings=None):
    tz = timezone(timedelta(hours=7))
    start = datetime(2025, 10, 1, starts_local_hh, tzinfo=tz).astimezone(UTC)
    items = [
        NS(
            position=len(durations) - i,
            duration_ms=ms,
            kind="bulletin",
            bulletin=NS(priority=(priorities or ["normal"] * len(durations))[i]),
            planned_start=None,
        )
        for i, ms in enumerate(durations)
    ]
    return NS(items=items, starts_at=start, max_duration_s=max_s, warnings=warnings)


def test_retime_back_to_back_by_position():
    p = _programme(6, [60_000, 30_000, 10_000])
    retime(p)
    by_pos = sorted(p.items, key=lambda i: i.position)
    assert [i.duration_ms for i in by_pos] == [10_000, 30_000, 60_000]
    assert [(i.planned_start - p.starts_at).total_seconds() for i in by_pos] == [0, 10, 40]


@pytest.mark.parametrize(
    "hh, durations, priorities, codes",
    [
        (6, [60_000], None, []),
        (6, [1_000_000], None, ["over_length"]),
        (22, [60_000], None, ["quiet_hours"]),
        (22, [60_000], ["emergency"], []),
        (22, [60_000, 60_000], ["emergency", "normal"], ["quiet_hours"]),
    ],
)
def test_timing_warnings(settings, hh, durations, priorities, codes):
    p = _programme(hh, durations, priorities=priorities)
    assert [w["code"] for w in timing_warnings(p, settings, NIGHT)] == codes


def test_refresh_warnings_keeps_the_others(settings):
    p = _programme(
        22, [60_000], warnings=[{"code": "quiet_hours", "message": "cũ"}, {"code": "waiting", "message": "chờ"}]
    )
    refresh_warnings(p, settings, NOON)
    assert p.warnings == [{"code": "waiting", "message": "chờ"}]
    refresh_warnings(p, settings, NIGHT)
    assert [w["code"] for w in p.warnings] == ["quiet_hours", "waiting"]
