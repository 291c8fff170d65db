"""A device's offline time in a period, rule by rule (``broadcast.reports.airtime.offline``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from broadcast.reports.airtime.offline import offline_seconds, window, with_silence

START = datetime(2025, 10, 1, tzinfo=UTC)
END = datetime(2025, 10, 2, tzinfo=UTC)  # a one-day window: 86,400 s
H = 3600


def at(hours: float) -> datetime:
    """``hours`` after the window's start (negative: before it)."""
    return START + timedelta(hours=hours)


UP, DOWN = True, False


@pytest.mark.parametrize(
    "changes, online_before, expected",
    [
        pytest.param([], False, 24 * H, id="never connected: the whole window"),
        pytest.param([], True, 0, id="online all along"),
        pytest.param([(at(20), DOWN)], True, 4 * H, id="went away, still away: up to the end"),
        pytest.param([(at(-5), DOWN), (at(3), UP)], False, 3 * H, id="away since before: from the start"),
        pytest.param([(at(-5), UP), (at(1), DOWN), (at(2), UP)], False, 1 * H, id="a change before sets the state"),
        pytest.param([(at(1), DOWN), (at(2), DOWN), (at(4), UP)], True, 3 * H, id="a repeated disconnect: first"),
        pytest.param([(at(1), UP), (at(5), UP)], True, 0, id="a repeated connect changes nothing"),
        pytest.param(
            [(at(1), DOWN), (at(2), UP), (at(10), DOWN), (at(10.5), UP)], True, int(1.5 * H), id="stretches add up"
        ),
        pytest.param([(at(24), DOWN)], True, 0, id="a change at the end is outside"),
        pytest.param([(at(23), DOWN), (at(30), UP)], True, 1 * H, id="the return after the end is cut"),
        pytest.param([(at(0), UP)], False, 0, id="connected at the very start"),
    ],
)
def test_offline_seconds(changes, online_before, expected):
    assert offline_seconds(changes, START, END, online_before=online_before) == expected


NOW = datetime(2025, 10, 1, 18, tzinfo=UTC)


@pytest.mark.parametrize(
    "kw, expected",
    [
        pytest.param({"now": at(48)}, (START, END), id="the whole period, long ago"),
        pytest.param({"now": NOW}, (START, NOW), id="the period still running: up to now"),
        pytest.param({"now": at(48), "created_at": at(-100)}, (START, END), id="made before the period"),
        pytest.param({"now": at(48), "created_at": at(6)}, (at(6), END), id="made during: from its creation"),
        pytest.param({"now": at(48), "created_at": at(30)}, None, id="made after the period"),
        pytest.param({"now": at(48), "revoked_at": at(12)}, (START, at(12)), id="revoked during: up to then"),
        pytest.param({"now": at(48), "revoked_at": at(-1)}, None, id="revoked before the period"),
        pytest.param({"now": at(-3)}, None, id="a period in the future"),
    ],
)
def test_window(kw, expected):
    assert window(START, END, **kw) == expected


TIMEOUT = timedelta(seconds=90)


@pytest.mark.parametrize(
    "changes, online_before, last_seen, added",
    [
        pytest.param([(at(1), UP)], False, at(5), (at(5) + TIMEOUT, DOWN), id="silent since its last heartbeat"),
        pytest.param([], True, at(2), (at(2) + TIMEOUT, DOWN), id="online before the period, silent since"),
        pytest.param([(at(1), UP)], False, at(18) - timedelta(seconds=30), None, id="heard lately: online"),
        pytest.param([(at(1), DOWN)], True, at(0.5), None, id="its disconnect is already there"),
        pytest.param([], False, None, None, id="never heard of"),
        pytest.param([(at(3), UP)], False, at(1), (at(3) + TIMEOUT, DOWN), id="the connect itself was a sign of life"),
    ],
)
def test_with_silence(changes, online_before, last_seen, added):
    got = with_silence(changes, online_before=online_before, last_seen=last_seen, timeout=TIMEOUT, now=NOW)
    assert got == (changes + [added] if added else changes)


def test_silence_counts_as_offline_in_the_period():
    changes = with_silence([(at(1), UP)], online_before=False, last_seen=at(6), timeout=TIMEOUT, now=NOW)
    # offline from the start to the connect (1 h), then from the heartbeat timeout to now (12 h less 90 s)
    assert offline_seconds(changes, START, NOW) == 1 * H + 12 * H - 90
