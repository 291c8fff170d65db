"""Crash recovery: a dead process's run and rows are closed ``interrupted`` at the last heartbeat, never deleted."""

from __future__ import annotations

import socket
from datetime import timedelta

from sqlalchemy import select

from broadcast.domain.models import AsRun, PlayoutRun
from broadcast.domain.types import utcnow
from broadcast.playout import recovery
from broadcast.playout.asrun import AsRunLog
from broadcast.playout.claims import claim_run
from broadcast.playout.items import programme_items
from broadcast.playout.lease import process_holder
from broadcast.playout.writer import LogWriter
from tests.playout.conftest import make_programme, make_station

DEAD = f"{socket.gethostname()}:999999999:dead"


def _airing_run(runtime, tones, *, holder, started):
    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(s, st, [tones["four"], tones["a"]], starts_at=started)
        sid, pid, day = st.id, p.id, p.on_date
        items = programme_items(s, p)
    run_id = claim_run(
        runtime,
        station_id=sid,
        claim_key="recovery-test",
        kind="scheduled",
        air_date=day,
        session_code="sang",
        programme_id=pid,
        scheduled_start=started,
        holder=holder,
        sink="null",
    )
    writer = LogWriter(runtime)
    try:
        asrun = AsRunLog(writer, sid, "null")
        key = asrun.start(
            asrun.row_values(
                items[0], run_id=run_id, programme_id=pid, session_code="sang", air_date=day, scheduled=started
            ),
            start=started,
            lateness_ms=0,
            note=None,
        )
        asrun.heartbeat(key, run_id, 1000)
        writer.flush()
    finally:
        writer.close()
    return run_id


def test_a_dead_run_is_closed_and_can_be_resumed(runtime, tones):
    run_id = _airing_run(runtime, tones, holder=DEAD, started=utcnow() - timedelta(seconds=1))
    assert recovery.recover(runtime, stale_s=15) == [run_id]
    with runtime.unit() as s:
        run = s.get(PlayoutRun, run_id)
        row = s.scalar(select(AsRun))
        assert (run.status, run.note) == ("interrupted", recovery.CRASH_NOTE)
        assert row.status == "interrupted" and row.actual_end >= row.actual_start and recovery.CRASH_NOTE in row.note
    (resumable,) = recovery.resumable_runs(runtime, grace_s=300)
    assert resumable[0] == run_id and resumable[1] >= 900
    assert recovery.resumable_runs(runtime, grace_s=300, now=utcnow() + timedelta(minutes=10)) == []


def test_a_live_run_is_left_alone(runtime, tones):
    _airing_run(runtime, tones, holder=process_holder(), started=utcnow())
    assert recovery.recover(runtime, stale_s=15) == []
