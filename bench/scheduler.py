"""Scheduler accuracy: start lateness of many short sessions (null sink, real time).

Schedules ``SESSIONS`` one-item sessions ``GAP_S`` apart on a fresh SQLite
database with the real playout service (APScheduler, SQLAlchemy job store,
pre-roll), waits for them all, and reports the lateness of each session's
first sound (actual minus scheduled start): p50, p99 (target < 100 ms), max,
and the sessions missed or aired twice.  Reports; never fails.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from datetime import timedelta
from pathlib import Path

SESSIONS = int(os.environ.get("BENCH_SCHEDULER_SESSIONS", "100"))
GAP_S = float(os.environ.get("BENCH_SCHEDULER_GAP_S", "1.0"))
TARGET_P99_MS = 100


def _pct(values, p):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run() -> list[dict]:
    from sqlalchemy import func, select

    from broadcast.config import Settings
    from broadcast.db import make_engine
    from broadcast.domain.models import AsRun, PlayoutRun, Programme, ProgrammeItem, Station, Ward
    from broadcast.domain.types import utcnow
    from broadcast.migrate import ensure_reference_data, upgrade
    from broadcast.playout.config import PlayoutConfig
    from broadcast.playout.service import PlayoutService
    from broadcast.runtime import Runtime

    with tempfile.TemporaryDirectory(prefix="lp-bench-sched-") as tmp:
        tmp = Path(tmp)
        tone = tmp / "tone.mp3"
        subprocess.run(
            [
                "ffmpeg",
                "-hide_banner",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=440:duration=0.3",
                "-ac",
                "1",
                str(tone),
            ],
            check=True,
        )
        engine = make_engine(f"sqlite:///{tmp / 'bench.db'}")
        upgrade(engine)
        runtime = Runtime(
            Settings(database_url=f"sqlite:///{tmp / 'bench.db'}", data_dir=tmp, secret_key="bench"), engine
        )
        first = utcnow() + timedelta(seconds=5)
        with runtime.unit() as s:
            ensure_reference_data(s)
            ward = Ward(code="BENCH", name="Bench")
            station = Station(code="BENCH", name="Bench", sink="null", ward=ward)
            s.add(station)
            s.flush()
            for i in range(SESSIONS):
                start = first + timedelta(seconds=i * GAP_S)
                p = Programme(
                    station_id=station.id,
                    on_date=start.date(),
                    session_code=f"s{i:03d}",
                    starts_at=start,
                    max_duration_s=60,
                )
                p.items.append(
                    ProgrammeItem(
                        position=0,
                        kind="asset",
                        title="tone",
                        audio_path=str(tone),
                        planned_start=start,
                        duration_ms=300,
                    )
                )
                s.add(p)
        service = PlayoutService(
            runtime, PlayoutConfig(speed=1.0, preroll_s=0.5, grace_s=60, poll_s=0.5, derive_s=3600, heartbeat_s=1.0)
        ).start()
        try:
            deadline = time.monotonic() + 5 + SESSIONS * GAP_S + 30
            while time.monotonic() < deadline:
                with runtime.unit() as s:
                    done = s.scalar(select(func.count(PlayoutRun.id)).where(PlayoutRun.status != "running"))
                if done >= SESSIONS:
                    break
                time.sleep(0.5)
        finally:
            service.shutdown(timeout=10)
        with runtime.unit() as s:
            lateness = []
            missed = doubled = 0
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
        engine.dispose()
    limit = {"name": "target p99", "value": TARGET_P99_MS}
    rnd = lambda v: None if v is None else round(v, 2)  # noqa: E731
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
