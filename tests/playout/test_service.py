"""The scheduler service: on time, lease, misfire/grace, no double airing."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from broadcast.domain.types import utcnow
from broadcast.playout.lease import LeaseHeld
from broadcast.playout.service import start_scheduler
from tests.playout.conftest import FAST, make_programme, make_station, rows, runs, wait_for


def test_session_starts_on_time_from_a_built_programme(runtime, tones, service_factory):
    # Enough lead for the service to start, derive its jobs and pre-roll even on a busy machine.
    start = utcnow() + timedelta(seconds=4)
    with runtime.unit() as s:
        st = make_station(s)
        make_programme(s, st, [tones["short"], tones["short"]], starts_at=start)
    service_factory()
    done = wait_for(lambda: [r for r in runs(runtime) if r.status == "done"], timeout=10)
    assert done[0].kind == "scheduled" and done[0].claim_key.startswith("sched:")
    aired = rows(runtime)
    assert [r.status for r in aired] == ["aired", "aired"]
    assert abs((aired[0].actual_start - start).total_seconds()) < 0.1
    assert abs(aired[0].lateness_ms) < 100


def test_second_scheduler_is_refused_with_a_clear_message(runtime, service_factory):
    service_factory()
    with pytest.raises(LeaseHeld) as err:
        start_scheduler(runtime, **FAST)
    assert "chỉ chạy một bộ lập lịch" in err.value.message


def test_lease_is_released_on_shutdown(runtime):
    svc = start_scheduler(runtime, **FAST)
    svc.shutdown()
    start_scheduler(runtime, **FAST).shutdown()


def test_late_within_grace_joins_where_it_would_be_now(runtime, tones, service_factory):
    start = utcnow() - timedelta(seconds=1.5)
    with runtime.unit() as s:
        st = make_station(s)
        # The middle item is 4 s long, so the join lands inside it even when the
        # service takes a few seconds to start on a busy machine.
        p = make_programme(s, st, [tones["a"], tones["four"], tones["c"]], starts_at=start)
        pid = p.id
    svc = service_factory()
    wait_for(lambda: [r for r in runs(runtime) if r.status == "done"], timeout=15)
    got = rows(runtime, programme_id=pid)
    assert [(r.position, r.status) for r in got] == [(0, "missed"), (1, "aired"), (2, "aired")]
    # joined half a second or more into the 4 s item: only what was left aired
    assert got[1].aired_ms < 3500 and got[1].lateness_ms >= 300
    assert svc.config.grace_s == 30


def test_later_than_grace_is_logged_missed(runtime, tones, service_factory):
    start = utcnow() + timedelta(seconds=1)
    with runtime.unit() as s:
        st = make_station(s)
        make_programme(s, st, [tones["short"], tones["short"]], starts_at=start)
    svc = service_factory(grace_s=5)
    # The scheduler's clock says the session is 10 minutes gone when its job fires.
    svc.clock = lambda: utcnow() + timedelta(minutes=10)
    # The run is marked first; its as-run rows follow through the log writer thread.
    wait_for(lambda: runs(runtime, status="missed") and len(rows(runtime)) == 2, timeout=10)
    assert [r.status for r in rows(runtime)] == ["missed", "missed"]
    assert "Lỡ giờ phát" in rows(runtime)[0].note


def test_clock_jump_back_never_airs_twice(runtime, tones, service_factory):
    start = utcnow() + timedelta(seconds=1)
    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(s, st, [tones["short"]], starts_at=start)
        day, code, station_code = p.on_date, p.session_code, st.code
    svc = service_factory()
    wait_for(lambda: runs(runtime, status="done"), timeout=10)
    # NTP pulls the clock back an hour: the session is in the future again.
    svc.clock = lambda: utcnow() - timedelta(hours=1)
    svc.derive(force=True)
    assert not [j for j in svc.scheduler.get_jobs() if j.id.startswith("session:")]
    assert svc.fire_session(station_code, day, code, start) == "already-aired"
    time.sleep(0.5)
    assert len(runs(runtime)) == 1 and len(rows(runtime)) == 1
