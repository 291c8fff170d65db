"""Faults: SIGKILL mid-session, a locked database, Icecast going away."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest

from broadcast.domain.types import utcnow
from broadcast.playout.claims import claim_run
from broadcast.playout.config import PlayoutConfig
from broadcast.playout.run import air_run
from broadcast.playout.service import PlayoutService
from broadcast.playout.sinks import open_sink
from tests.conftest import PG_BASE_URL
from tests.playout.conftest import FAST, make_programme, make_station, rows, runs, wait_for


def test_sigkill_mid_session_then_restart_inside_grace_joins(runtime, tones, cli_env, project_root):
    with runtime.unit() as s:
        st = make_station(s)
        # scheduled hours away: only the operator's run from the command line airs it now
        p = make_programme(
            s,
            st,
            [tones["a"], tones["long"], tones["c"], tones["a"], tones["b"]],
            starts_at=utcnow() + timedelta(hours=3),
        )
        day, pid = p.on_date, p.id
    env = {**os.environ, **cli_env}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "broadcast",
            "playout",
            "run",
            "--station",
            st.code,
            "--date",
            day.isoformat(),
            "--session",
            "sang",
            "--sink",
            "null",
            "--speed",
            "1",
        ],
        env=env,
        cwd=project_root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(lambda: [r for r in rows(runtime, programme_id=pid) if r.position == 1], timeout=20)
        time.sleep(1.6)  # past the first heartbeat of the 4-second item
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    before = rows(runtime, programme_id=pid)
    assert [(r.position, r.status) for r in before] == [(0, "aired"), (1, "airing")]
    svc = PlayoutService(runtime, PlayoutConfig(**FAST)).start()
    try:
        wait_for(lambda: runs(runtime)[0].status == "done", timeout=15)
    finally:
        svc.shutdown(timeout=5)
    after = rows(runtime, programme_id=pid)
    # nothing lost: the first rows are still there, closed, with the same ids
    assert [r.id for r in after[:2]] == [r.id for r in before]
    assert after[1].status == "interrupted" and after[1].actual_end is not None and after[1].aired_ms > 0
    assert "gián đoạn" in after[1].note
    # nothing duplicated: item 0 aired once; the resumed run joined mid-programme
    assert [r.position for r in after].count(0) == 1
    resumed = after[2:]
    assert resumed and all(r.status in ("aired", "missed") for r in resumed)
    joined = next(r for r in resumed if r.status == "aired")
    assert "giữa chừng" in (joined.note or "") or joined.position >= 2
    assert sorted({r.position for r in resumed}) == sorted(r.position for r in resumed)
    assert resumed[-1].position == 4 and resumed[-1].status == "aired"
    assert runs(runtime)[0].attempts == 2


def _lock_database(runtime, seconds: float, ready: threading.Event):
    if PG_BASE_URL:
        with runtime.engine.connect() as conn:
            trans = conn.begin()
            conn.exec_driver_sql("LOCK TABLE as_run, playout_runs IN ACCESS EXCLUSIVE MODE")
            ready.set()
            time.sleep(seconds)
            trans.rollback()
    else:
        import sqlite3

        path = runtime.settings.database_url.split("///", 1)[1]
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        ready.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
        conn.close()


def test_locked_database_does_not_stop_the_audio(runtime, tones):
    with runtime.unit() as s:
        st = make_station(s)
        p = make_programme(s, st, [tones["a"], tones["b"], tones["c"]])
        ids = (p.id, st.id, p.on_date)
    run_id = claim_run(
        runtime,
        station_id=ids[1],
        claim_key="lock-test",
        kind="manual",
        air_date=ids[2],
        session_code="sang",
        programme_id=ids[0],
        scheduled_start=utcnow(),
        holder="t",
        sink="null",
    )
    ready = threading.Event()

    def locker():
        time.sleep(0.3)
        _lock_database(runtime, 3.0, ready)

    t = threading.Thread(target=locker)
    t.start()
    t0 = time.monotonic()
    out = open_sink("null")
    result = air_run(runtime, run_id, sink=out, config=PlayoutConfig(speed=1.0, heartbeat_s=0.2))
    elapsed = time.monotonic() - t0
    t.join()
    assert ready.is_set()
    assert out.written_bytes >= 44100 * 2 * 2.9  # all three seconds went out
    got = rows(runtime, run_id=run_id)
    assert [r.status for r in got] == ["aired", "aired", "aired"]
    # the airing went on during the lock: starts one second apart, not delayed by it
    gaps = [(b.actual_start - a.actual_start).total_seconds() for a, b in itertools.pairwise(got)]
    assert all(0.9 < g < 1.3 for g in gaps), gaps
    assert result.status == "done" and elapsed >= 3.0


# ---------------------------------------------------------------- Icecast


def _air_in_thread(runtime, run_id, sink_spec, **cfg):
    out = open_sink(sink_spec)
    holder = {}

    def go():
        try:
            holder["result"] = air_run(
                runtime, run_id, sink=out, config=PlayoutConfig(speed=1.0, heartbeat_s=0.3, **cfg)
            )
        finally:
            out.close()

    t = threading.Thread(target=go)
    t.start()
    return t, holder, out


@pytest.mark.once
def test_icecast_stream_reaches_the_mount(runtime, tones, icecast, tmp_path):
    with runtime.unit() as s:
        st = make_station(s, sink=icecast.sink)
        p = make_programme(s, st, [tones["long"], tones["a"], tones["b"]])
        ids = (p.id, st.id, p.on_date)
    run_id = claim_run(
        runtime,
        station_id=ids[1],
        claim_key="ice",
        kind="manual",
        air_date=ids[2],
        session_code="sang",
        programme_id=ids[0],
        scheduled_start=utcnow(),
        holder="t",
        sink=icecast.sink,
    )
    thread, holder, _ = _air_in_thread(runtime, run_id, icecast.sink)
    raw = tmp_path / "heard.raw"
    deadline = time.monotonic() + 4
    while True:  # the mount appears once the source has connected
        time.sleep(0.3)
        listen = subprocess.run(
            [
                "ffmpeg",
                "-hide_banner",
                "-v",
                "error",
                "-y",
                "-t",
                "2",
                "-i",
                f"http://127.0.0.1:{icecast.port}/loa",
                "-f",
                "s16le",
                "-ac",
                "1",
                "-ar",
                "8000",
                str(raw),
            ],
            capture_output=True,
            timeout=30,
        )
        if listen.returncode == 0 or time.monotonic() > deadline:
            break
    thread.join(20)
    assert listen.returncode == 0, listen.stderr
    import array

    samples = array.array("h", raw.read_bytes())
    assert len(samples) > 8000  # more than a second of audio arrived
    assert max(abs(x) for x in samples) > 1000  # and it is not silence
    got = rows(runtime, run_id=run_id)
    assert [r.status for r in got] == ["aired", "aired", "aired"]
    assert got[0].sink == f"icecast://127.0.0.1:{icecast.port}/loa" and "hackme" not in got[0].sink
    assert holder["result"].status == "done"


@pytest.mark.once
def test_icecast_going_away_is_logged_and_retried(runtime, tones, icecast):
    with runtime.unit() as s:
        st = make_station(s, sink=icecast.sink)
        p = make_programme(s, st, [tones["a"], tones["long"], tones["a"], tones["b"], tones["c"]])
        ids = (p.id, st.id, p.on_date)
    run_id = claim_run(
        runtime,
        station_id=ids[1],
        claim_key="ice-down",
        kind="manual",
        air_date=ids[2],
        session_code="sang",
        programme_id=ids[0],
        scheduled_start=utcnow(),
        holder="t",
        sink=icecast.sink,
    )
    thread, _holder, out = _air_in_thread(runtime, run_id, icecast.sink)
    time.sleep(1.5)
    icecast.stop()  # the server goes away in the middle of the long item
    time.sleep(1.5)
    icecast.start()
    thread.join(30)
    got = rows(runtime, run_id=run_id)
    assert len(got) == 5
    failed = [r for r in got if r.status == "failed"]
    assert failed and "Icecast" in failed[0].note
    assert got[-1].status == "aired"  # reconnected with backoff and went on
    assert out.reconnects >= 1 and out.failures >= 1
    run = runs(runtime, id=run_id)[0]
    assert run.last_error and "Icecast" in run.last_error  # what the operator sees on the playout page
