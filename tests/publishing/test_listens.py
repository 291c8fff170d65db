"""Listens: counted once per listener, bulletin, channel and day; nothing about the listener kept."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from broadcast.domain.models import Listen, ListenMark
from broadcast.publishing.listens import listen_rows, record_listen

DAY = date(2026, 11, 21)


def _play(s, bid, listener="10.0.0.1|Mozilla", channel="page", day=DAY):
    return record_listen(s, secret="k", day=day, listener=listener, bulletin_id=bid, channel=channel)


def test_a_replay_the_same_day_counts_once_another_listener_or_channel_counts(runtime, published):
    bid = published["public"][0]
    with runtime.unit() as s:
        assert _play(s, bid) is True
        assert _play(s, bid) is False
        assert _play(s, bid, listener="10.0.0.2|Mozilla") is True
        assert _play(s, bid, channel="podcast") is True
    with runtime.unit() as s:
        counts = {r.channel: r.count for r in s.scalars(select(Listen).where(Listen.bulletin_id == bid))}
        assert counts == {"page": 2, "podcast": 1}
        marks = [m.digest for m in s.scalars(select(ListenMark))]
    assert len(marks) == 3 and not any("10.0.0" in m for m in marks)


def test_the_next_day_counts_again_and_yesterdays_marks_are_purged(runtime, published):
    bid = published["public"][0]
    with runtime.unit() as s:
        _play(s, bid)
    with runtime.unit() as s:
        assert _play(s, bid, day=date(2026, 11, 22)) is True
    with runtime.unit() as s:
        assert {m.day for m in s.scalars(select(ListenMark))} == {date(2026, 11, 22)}
        rows = listen_rows(s, start=DAY, end=date(2026, 11, 22))
    assert [(r[0], r[4]) for r in rows] == [("page", 2)]


def test_an_unknown_channel_is_a_programming_error(runtime, published):
    with runtime.unit() as s, pytest.raises(ValueError):
        _play(s, published["public"][0], channel="radio")
