"""Soak check: the scheduler airs a session every 10 s for 10 minutes while the web is under load.

Everything runs on loopback against one SQLite database (the embedded
default, where web and scheduler contend for the same file): the playout
service in this process at real-time speed with the null sink, the
production web server (waitress) in another, and wrk driving the bulletin
list for the whole run with a bounded number of connections. Reports missed,
doubled and lost as-run rows, web errors and memory at the start and end.
`BENCH_SOAK_SECONDS` shortens it. Reports; never fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

SOAK_S = int(os.environ.get("BENCH_SOAK_SECONDS", "600"))
EVERY_S = 10
ITEMS = 3


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run() -> list[dict]:
    from sqlalchemy import func, select

    from bench.web import _free_port, _seed, _wait_up, _wrk_parse
    from broadcast.config import Settings
    from broadcast.db import make_engine
    from broadcast.domain.models import AsRun, PlayoutRun, Programme, ProgrammeItem, Station
    from broadcast.domain.types import utcnow
    from broadcast.playout.config import PlayoutConfig
    from broadcast.playout.service import PlayoutService
    from broadcast.runtime import Runtime

    sessions = SOAK_S // EVERY_S
    with tempfile.TemporaryDirectory(prefix="lp-soak-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCAST_")}
        url = f"sqlite:///{tmp}/soak.db"
        env.update(BROADCAST_DATA_DIR=tmp, BROADCAST_DATABASE_URL=url, BROADCAST_TTS_ENGINES="espeak")
        token = _seed(env)[0]  # an operator's API token (then its user id and department)
        tone = Path(tmp) / "tone.mp3"
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=523:duration=0.7",
                "-ac",
                "1",
                str(tone),
            ],
            check=True,
        )
        engine = make_engine(url)
        runtime = Runtime(Settings(database_url=url, data_dir=Path(tmp), secret_key="soak"), engine)
        first = utcnow() + timedelta(seconds=15)
        with runtime.unit() as s:
            station = s.scalar(select(Station).where(Station.code == "MOLAO"))
            for i in range(sessions):
                start = first + timedelta(seconds=i * EVERY_S)
                p = Programme(
                    station_id=station.id,
                    on_date=start.date(),
                    session_code=f"soak{i:03d}",
                    starts_at=start,
                    max_duration_s=60,
                )
                for k in range(ITEMS):
                    p.items.append(
                        ProgrammeItem(
                            position=k,
                            kind="asset",
                            title=f"tone {k}",
                            audio_path=str(tone),
                            planned_start=start + timedelta(milliseconds=700 * k),
                            duration_ms=700,
                        )
                    )
                s.add(p)
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "broadcast", "serve", "--no-scheduler", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        service = None
        try:
            _wait_up(f"http://127.0.0.1:{port}/healthz")
            service = PlayoutService(
                runtime, PlayoutConfig(speed=1.0, preroll_s=0.5, grace_s=60, poll_s=0.5, heartbeat_s=1.0)
            ).start()
            memory = []  # (seconds, scheduler process MB, web server MB)
            load = {}

            def drive():
                out = subprocess.run(
                    [
                        "wrk",
                        "-t1",
                        "-c4",
                        f"-d{SOAK_S + 10}s",
                        "--latency",
                        "--timeout",
                        "5s",
                        "-H",
                        f"Authorization: Bearer {token}",
                        f"http://127.0.0.1:{port}/api/v1/bulletins",
                    ],
                    capture_output=True,
                    text=True,
                    timeout=SOAK_S + 60,
                ).stdout
                load.update(_wrk_parse(out))

            loader = threading.Thread(target=drive)
            loader.start()
            started = time.monotonic()
            deadline = started + 15 + SOAK_S + 20
            while time.monotonic() < deadline:
                memory.append((time.monotonic() - started, _rss_mb(os.getpid()), _rss_mb(server.pid)))
                with runtime.unit() as s:
                    done = s.scalar(select(func.count(PlayoutRun.id)).where(PlayoutRun.status != "running"))
                if done >= sessions and not loader.is_alive():
                    break
                time.sleep(10)
            loader.join(timeout=60)
        finally:
            if service is not None:
                service.shutdown(timeout=10)
            server.terminate()
            server.wait(timeout=10)
        with runtime.unit() as s:
            aired = s.scalar(select(func.count(AsRun.id)).where(AsRun.status == "aired"))
            runs_per = s.execute(
                select(PlayoutRun.programme_id, func.count(PlayoutRun.id)).group_by(PlayoutRun.programme_id)
            ).all()
            aired_programmes = s.scalar(
                select(func.count(func.distinct(AsRun.programme_id))).where(AsRun.status == "aired")
            )
        engine.dispose()
    doubled = sum(1 for _, n in runs_per if n > 1)
    early = [m for m in memory if m[0] >= 60][:3] or memory[:3]
    late = memory[-3:]
    avg = lambda rows, i: round(sum(r[i] for r in rows) / len(rows), 1) if rows else None  # noqa: E731
    return [
        {
            "name": "soak.sessions",
            "value": sessions,
            "unit": "sessions",
            "limit": None,
            "target": f"one every {EVERY_S} s for {SOAK_S} s, {ITEMS} items each, web under load",
        },
        {
            "name": "soak.missed",
            "value": sessions - aired_programmes,
            "unit": "sessions",
            "limit": {"name": "target", "value": 0},
            "target": "0",
        },
        {
            "name": "soak.doubled",
            "value": doubled,
            "unit": "sessions",
            "limit": {"name": "target", "value": 0},
            "target": "0",
        },
        {
            "name": "soak.lost_as_run_rows",
            "value": sessions * ITEMS - aired,
            "unit": "rows",
            "limit": {"name": "target", "value": 0},
            "target": "0",
        },
        {"name": "soak.web_requests", "value": load.get("requests"), "unit": "requests", "limit": None, "target": None},
        {
            "name": "soak.web_errors",
            "value": load.get("errors"),
            "unit": "count",
            "limit": {"name": "target", "value": 0},
            "target": "0",
        },
        {
            "name": "soak.scheduler_rss_end_mb",
            "value": avg(late, 1),
            "unit": "MB",
            "limit": {"name": "soak.scheduler_rss_start_mb", "value": avg(early, 1)},
            "target": "flat (ratio ~1)",
        },
        {
            "name": "soak.web_rss_end_mb",
            "value": avg(late, 2),
            "unit": "MB",
            "limit": {"name": "soak.web_rss_start_mb", "value": avg(early, 2)},
            "target": "flat (ratio ~1)",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
