"""Scheduler accuracy: start lateness of many short sessions (null sink, real time).

Schedules ``SESSIONS`` one-item sessions ``GAP_S`` apart on a fresh SQLite
database with the real playout service (APScheduler, SQLAlchemy job store,
pre-roll), waits for them all, and reports the lateness of each session's
first sound (actual minus scheduled start): p50, p99 (target < 100 ms), max,
and the sessions missed or aired twice.  Reports; never fails.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.tone_sessions import add_tone_sessions, finished_runs, make_tone

SESSIONS = int(os.environ.get("BENCH_SCHEDULER_SESSIONS", "100"))
GAP_S = float(os.environ.get("BENCH_SCHEDULER_GAP_S", "1.0"))
TARGET_P99_MS = 100


def _pct(values, p):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def _station(runtime) -> int:
    """A ward and its null-sink station on the fresh database; the station's id."""
    from broadcast.domain.models import Station, Ward
    from broadcast.migrate import ensure_reference_data

    with runtime.unit() as s:
        ensure_reference_data(s)
        station = Station(code="BENCH", name="Bench", sink="null", ward=Ward(code="BENCH", name="Bench"))
        s.add(station)
        s.flush()
        return station.id


def _wait_all(runtime) -> None:
    """The real playout service until every session has run (or a deadline well past the last one)."""
    from broadcast.playout.config import PlayoutConfig
    from broadcast.playout.service import PlayoutService

    service = PlayoutService(
        runtime, PlayoutConfig(speed=1.0, preroll_s=0.5, grace_s=60, poll_s=0.5, derive_s=3600, heartbeat_s=1.0)
    ).start()
    try:
        deadline = time.monotonic() + 5 + SESSIONS * GAP_S + 30
        while time.monotonic() < deadline and finished_runs(runtime) < SESSIONS:
            time.sleep(0.5)
    finally:
        service.shutdown(timeout=10)


def _lateness(runtime) -> tuple[list[float], int, int]:
    """Each aired session's first-sound lateness in ms, the sessions missed, the sessions aired twice."""
    from sqlalchemy import func, select

    from broadcast.domain.models import AsRun, PlayoutRun, Programme

    lateness: list[float] = []
    missed = doubled = 0
    with runtime.unit() as s:
        for p in s.scalars(select(Programme)):
            aired = s.scalars(
                select(AsRun).where(AsRun.programme_id == p.id, AsRun.status == "aired").order_by(AsRun.id)
            ).all()
            runs = s.scalar(select(func.count(PlayoutRun.id)).where(PlayoutRun.programme_id == p.id))
            if not aired:
                missed += 1
                continue
            if len(aired) > 1 or runs > 1:
                doubled += 1
            lateness.append((aired[0].actual_start - p.starts_at).total_seconds() * 1000)
    return lateness, missed, doubled


def run() -> list[dict]:
    from broadcast.config import Settings
    from broadcast.db import make_engine
    from broadcast.domain.types import utcnow
    from broadcast.migrate import upgrade
    from broadcast.runtime import Runtime

    with tempfile.TemporaryDirectory(prefix="lp-bench-sched-") as tmp:
        tmp = Path(tmp)
        tone = make_tone(tmp / "tone.mp3", 0.3, 440)
        url = f"sqlite:///{tmp / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        runtime = Runtime(Settings(database_url=url, data_dir=tmp, secret_key="bench"), engine)
        first = utcnow() + timedelta(seconds=5)
        add_tone_sessions(
            runtime,
            _station(runtime),
            tone,
            count=SESSIONS,
            first=first,
            every_s=GAP_S,
            items=1,
            item_ms=300,
            prefix="s",
        )
        _wait_all(runtime)
        lateness, missed, doubled = _lateness(runtime)
        engine.dispose()
    return _rows(lateness, missed, doubled)


def _rows(lateness: list[float], missed: int, doubled: int) -> list[dict]:
    limit = {"name": "target p99", "value": TARGET_P99_MS}

    def rnd(v):
        return None if v is None else round(v, 2)

    return [
        {
            "name": "scheduler.sessions",
            "value": SESSIONS,
            "unit": "sessions",
            "limit": None,
            "target": f"{SESSIONS} sessions {GAP_S:g} s apart, null sink, speed 1",
        },
        {
            "name": "scheduler.lateness_p50_ms",
            "value": rnd(_pct(lateness, 50)),
            "unit": "ms",
            "limit": None,
            "target": "start lateness, median",
        },
        {
            "name": "scheduler.lateness_p99_ms",
            "value": rnd(_pct(lateness, 99)),
            "unit": "ms",
            "limit": limit,
            "target": "< 100 ms",
        },
        {
            "name": "scheduler.lateness_max_ms",
            "value": rnd(max(lateness) if lateness else None),
            "unit": "ms",
            "limit": None,
            "target": "worst session",
        },
        {
            "name": "scheduler.missed",
            "value": missed,
            "unit": "sessions",
            "limit": {"name": "target", "value": 0},
            "target": "0",
        },
        {
            "name": "scheduler.doubled",
            "value": doubled,
            "unit": "sessions",
            "limit": {"name": "target", "value": 0},
            "target": "0",
        },
    ]


if __name__ == "__main__":
    for row in run():
        limit = f"  (limit {row['limit']['name']}: {row['limit']['value']})" if row["limit"] else ""
        print(f"{row['name']:<30} {row['value']!s:>10} {row['unit']:<9} {row['target']}{limit}")
