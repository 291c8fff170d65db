"""The scheduler service: on time, lease, misfire/grace, no double airing, commands, emergencies."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from broadcast.domain.models import AsRun, Bulletin, PlayoutCommand, PlayoutRun, Programme
from broadcast.domain.types import utcnow
from broadcast.playout.config import PlayoutConfig
from broadcast.playout.lease import LeaseHeld
from broadcast.playout.service import PlayoutService, start_scheduler
from tests.playout.conftest import make_programme, make_station

FAST = dict(speed=1.0, heartbeat_s=0.2, poll_s=0.1, derive_s=0.5, preroll_s=0.5, grace_s=30, lease_ttl_s=5,
            lease_renew_s=1, stale_s=2)


def wait_for(predicate, timeout=15.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out waiting")


def runs(runtime, **where):
    with runtime.unit() as s:
        q = select(PlayoutRun).order_by(PlayoutRun.id)
        for k, v in where.items():
            q = q.where(getattr(PlayoutRun, k) == v)
        out = s.scalars(q).all()
        s.expunge_all()
        return out


def rows(runtime, **where):
    with runtime.unit() as s:
        q = select(AsRun).order_by(AsRun.id)
        for k, v in where.items():
            q = q.where(getattr(AsRun, k) == v)
        out = s.scalars(q).all()
        s.expunge_all()
        return out


@pytest.fixture
def service_factory(runtime):
    started = []

    def make(**overrides):
        svc = PlayoutService(runtime, PlayoutConfig(**{**FAST, **overrides})).start()
        started.append(svc)
        return svc

    yield make
    for svc in started:
        svc.shutdown(timeout=5)


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


def test_jobs_are_derived_from_session_templates_and_rederived_on_change(runtime, service_factory):
    from tests.playout.conftest import add_template

    tz = runtime.settings.tz
    soon = (utcnow() + timedelta(hours=2)).astimezone(tz)
    with runtime.unit() as s:
        st = make_station(s)
        add_template(s, st, "sang", soon.time().replace(second=0, microsecond=0))
    svc = service_factory()
    ids = {j.id for j in svc.scheduler.get_jobs()}
    tag = f"{st.code}:{soon.date().isoformat()}:sang"
    assert f"session:{tag}" in ids and f"prerender:{tag}" in ids
    with runtime.unit() as s:
        from broadcast.domain.models import SessionTemplate

        s.scalar(select(SessionTemplate)).enabled = False
        s.scalar(select(SessionTemplate)).updated_at = utcnow()
    wait_for(lambda: not [j for j in svc.scheduler.get_jobs() if j.id.startswith("session:")], timeout=5)


def test_operator_commands_play_skip_and_stop(runtime, tones, service_factory):
    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(s, st, [tones["a"], tones["b"], tones["c"], tones["a"]],
                           starts_at=utcnow() + timedelta(hours=3))
        day, sid = p.on_date, st.id
        s.add(PlayoutCommand(station_id=sid, action="play", session_code="sang", air_date=day))
    service_factory()
    run = wait_for(lambda: runs(runtime, kind="manual"), timeout=5)[0]
    wait_for(lambda: rows(runtime, run_id=run.id), timeout=5)
    with runtime.unit() as s:
        s.add(PlayoutCommand(station_id=sid, action="skip"))
    wait_for(lambda: len(rows(runtime, run_id=run.id)) >= 2, timeout=5)
    with runtime.unit() as s:
        s.add(PlayoutCommand(station_id=sid, action="stop"))
    wait_for(lambda: runs(runtime, id=run.id)[0].status == "stopped", timeout=5)
    statuses = [r.status for r in rows(runtime, run_id=run.id)]
    assert statuses[0] == "skipped" and "interrupted" in statuses and statuses[-1] == "skipped"
    assert len(statuses) == 4
    with runtime.unit() as s:
        results = s.scalars(select(PlayoutCommand.status).order_by(PlayoutCommand.id)).all()
    assert results == ["done", "done", "done"]


def test_emergency_breaks_in_and_the_session_resumes(runtime, demo, tones, service_factory):
    with runtime.unit() as s:
        st = make_station(s)
        make_programme(s, st, [tones["long"], tones["short"]], starts_at=utcnow() + timedelta(seconds=1))
        b = s.scalar(select(Bulletin).order_by(Bulletin.id))
        b.priority, b.status, b.approved_at = "emergency", "approved", None
        bid = b.id
        b.recording_path = str(tones["short"])
    service_factory(emergency_break="pause")
    wait_for(lambda: rows(runtime, status="airing"), timeout=5)
    time.sleep(0.3)
    with runtime.unit() as s:
        s.get(Bulletin, bid).approved_at = utcnow()  # approved now, from the "web process"
    wait_for(lambda: runs(runtime, kind="scheduled") and runs(runtime, kind="scheduled")[0].status == "done",
             timeout=15)
    got = rows(runtime)
    kinds = [(r.kind, r.status) for r in got]
    assert ("asset", "interrupted") in kinds
    assert [k for k in kinds if k[0] == "emergency"] == [("emergency", "aired"), ("emergency", "aired")]
    cut = next(r for r in got if r.status == "interrupted")
    assert "khẩn cấp" in cut.note
    first_emergency = next(i for i, r in enumerate(got) if r.kind == "emergency")
    # resumed: the cut item again from its start, then the rest
    assert [(r.position, r.status) for r in got[first_emergency + 2:]] == [(0, "aired"), (1, "aired")]
    assert runs(runtime, kind="emergency")[0].status == "done"


def test_emergency_on_an_idle_station_airs_alone_once(runtime, demo, tones, service_factory):
    with runtime.unit() as s:
        make_station(s)
        b = s.scalar(select(Bulletin).order_by(Bulletin.id))
        b.priority, b.status, b.approved_at, b.recording_path = "emergency", "approved", utcnow(), str(tones["short"])
    service_factory()
    wait_for(lambda: runs(runtime, kind="emergency", status="done"), timeout=10)
    time.sleep(0.5)
    assert len(runs(runtime, kind="emergency")) == 1
    assert [r.status for r in rows(runtime, kind="emergency")] == ["aired", "aired"]
