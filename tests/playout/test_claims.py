"""Run claims: one row per claim key, so nothing airs twice; only an interrupted run can be taken over."""

from __future__ import annotations

from datetime import date

import pytest

from broadcast.domain.models import PlayoutRun
from broadcast.domain.types import utcnow
from broadcast.playout.claims import claim_key, claim_run, reclaim_run
from tests.playout.conftest import make_station


def test_claim_key_formats_are_those_stored_in_existing_rows():
    assert claim_key("scheduled", 1, date(2025, 10, 1), "sang") == "sched:1:2025-10-01:sang"
    assert claim_key("emergency", 42, 1) == "emergency:42:1"
    assert claim_key("manual", 1, 7) == "manual:1:7"
    assert claim_key("manual", 1, "cli", "abc") == "manual:1:cli:abc"
    with pytest.raises(KeyError):
        claim_key("other", 1)


def _claim(runtime, station_id, **kw):
    return claim_run(
        runtime,
        **{
            "station_id": station_id,
            "claim_key": "sched:x",
            "kind": "scheduled",
            "air_date": date(2025, 10, 1),
            "session_code": "sang",
            "programme_id": None,
            "scheduled_start": utcnow(),
            "holder": "a",
            "sink": "null",
            **kw,
        },
    )


def test_claiming_twice_is_refused(runtime):
    with runtime.unit() as s:
        sid = make_station(s).id
    first = _claim(runtime, sid)
    assert first is not None
    assert _claim(runtime, sid, holder="b") is None
    with runtime.unit() as s:
        run = s.get(PlayoutRun, first)
        assert (run.status, run.holder) == ("running", "a") and run.started_at is not None


def test_a_claim_that_is_not_running_has_no_start(runtime):
    with runtime.unit() as s:
        sid = make_station(s).id
    run_id = _claim(runtime, sid, status="missed", note="Lỡ giờ phát.")
    with runtime.unit() as s:
        run = s.get(PlayoutRun, run_id)
        assert (run.status, run.started_at, run.note) == ("missed", None, "Lỡ giờ phát.")


def test_only_an_interrupted_run_is_reclaimed_and_only_once(runtime):
    with runtime.unit() as s:
        sid = make_station(s).id
    run_id = _claim(runtime, sid)
    assert not reclaim_run(runtime, run_id, "b")  # still running
    with runtime.unit() as s:
        s.get(PlayoutRun, run_id).status = "interrupted"
    assert reclaim_run(runtime, run_id, "b")
    assert not reclaim_run(runtime, run_id, "c")
    with runtime.unit() as s:
        run = s.get(PlayoutRun, run_id)
        assert (run.status, run.holder, run.attempts) == ("running", "b", 2)  # the first attempt counts as 1
