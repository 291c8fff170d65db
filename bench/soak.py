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

from bench.network_procs import Children, free_port, rss_mb, wait_http
from bench.tone_sessions import add_tone_sessions, finished_runs, make_tone

SOAK_S = int(os.environ.get("BENCH_SOAK_SECONDS", "600"))
EVERY_S = 10
ITEMS = 3
ITEM_MS = 700


def _drive_web(port: int, token: str, load: dict) -> None:
    """wrk on the bulletin list for the whole soak, four connections; its figures go into ``load``."""
    from bench.web import _wrk_parse

    url = f"http://127.0.0.1:{port}/api/v1/bulletins"
    argv = ["wrk", "-t1", "-c4", f"-d{SOAK_S + 10}s", "--latency", "--timeout", "5s"]
    out = subprocess.run(
        [*argv, "-H", f"Authorization: Bearer {token}", url], capture_output=True, text=True, timeout=SOAK_S + 60
    ).stdout
    load.update(_wrk_parse(out))


def _watch(runtime, server_pid: int, loader: threading.Thread, sessions: int) -> list[tuple[float, float, float]]:
    """Every 10 s until every session ran and the load ended: (seconds, this process's MB, the web's MB)."""
    memory = []
    started = time.monotonic()
    deadline = started + 15 + SOAK_S + 20
    while time.monotonic() < deadline:
        memory.append((time.monotonic() - started, rss_mb(os.getpid()) or 0.0, rss_mb(server_pid) or 0.0))
        if finished_runs(runtime) >= sessions and not loader.is_alive():
            break
        time.sleep(10)
    return memory


def _tally(runtime) -> dict:
    """Aired rows, programmes aired, and programmes claimed by more than one run."""
    from sqlalchemy import func, select

    from broadcast.domain.models import AsRun, PlayoutRun

    with runtime.unit() as s:
        aired = s.scalar(select(func.count(AsRun.id)).where(AsRun.status == "aired"))
        runs_per = s.execute(
            select(PlayoutRun.programme_id, func.count(PlayoutRun.id)).group_by(PlayoutRun.programme_id)
        ).all()
        programmes = s.scalar(select(func.count(func.distinct(AsRun.programme_id))).where(AsRun.status == "aired"))
    return {"aired": aired, "programmes": programmes, "doubled": sum(1 for _, n in runs_per if n > 1)}


def run() -> list[dict]:
    from sqlalchemy import select

    from bench.web import seed_web
    from broadcast.config import Settings
    from broadcast.db import make_engine
    from broadcast.domain.models import Station
    from broadcast.domain.types import utcnow
    from broadcast.playout.config import PlayoutConfig
    from broadcast.playout.service import PlayoutService
    from broadcast.runtime import Runtime

    sessions = SOAK_S // EVERY_S
    with tempfile.TemporaryDirectory(prefix="lp-soak-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCAST_")}
        url = f"sqlite:///{tmp}/soak.db"
        env.update(BROADCAST_DATA_DIR=tmp, BROADCAST_DATABASE_URL=url, BROADCAST_TTS_ENGINES="espeak")
        token = seed_web(env)[0]  # an operator's API token (then its user id and department)
        engine = make_engine(url)
        runtime = Runtime(Settings(database_url=url, data_dir=Path(tmp), secret_key="soak"), engine)
        tone = make_tone(Path(tmp) / "tone.mp3", ITEM_MS / 1000, 523)
        with runtime.unit() as s:
            station_id = s.scalar(select(Station.id).where(Station.code == "MOLAO"))
        first = utcnow() + timedelta(seconds=15)
        add_tone_sessions(
            runtime,
            station_id,
            tone,
            count=sessions,
            first=first,
            every_s=EVERY_S,
            items=ITEMS,
            item_ms=ITEM_MS,
            prefix="soak",
        )
        port, children, service = free_port(), Children(Path(tmp)), None
        server = children.start(
            "web", [sys.executable, "-m", "broadcast", "serve", "--no-scheduler", "--port", str(port)], env
        )
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz", server, children, "web", timeout=30)
            service = PlayoutService(
                runtime, PlayoutConfig(speed=1.0, preroll_s=0.5, grace_s=60, poll_s=0.5, heartbeat_s=1.0)
            ).start()
            load: dict = {}
            loader = threading.Thread(target=_drive_web, args=(port, token, load))
            loader.start()
            memory = _watch(runtime, server.pid, loader, sessions)
            loader.join(timeout=60)
        finally:
            if service is not None:
                service.shutdown(timeout=10)
            children.stop_all()
        tally = _tally(runtime)
        engine.dispose()
    return _rows(sessions, tally, load, memory)


def _rows(sessions: int, tally: dict, load: dict, memory: list[tuple[float, float, float]]) -> list[dict]:
    """The soak's figures; memory compares the last three samples with three after the first minute."""
    early = [m for m in memory if m[0] >= 60][:3] or memory[:3]
    late = memory[-3:]

    def avg(rows, i):
        return round(sum(r[i] for r in rows) / len(rows), 1) if rows else None

    zero = {"name": "target", "value": 0}
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
            "value": sessions - tally["programmes"],
            "unit": "sessions",
            "limit": zero,
            "target": "0",
        },
        {"name": "soak.doubled", "value": tally["doubled"], "unit": "sessions", "limit": zero, "target": "0"},
        {
            "name": "soak.lost_as_run_rows",
            "value": sessions * ITEMS - tally["aired"],
            "unit": "rows",
            "limit": zero,
            "target": "0",
        },
        {"name": "soak.web_requests", "value": load.get("requests"), "unit": "requests", "limit": None, "target": None},
        {"name": "soak.web_errors", "value": load.get("errors"), "unit": "count", "limit": zero, "target": "0"},
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
