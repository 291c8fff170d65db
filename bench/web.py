"""Web throughput with the servers `broadcast serve` offers, driven by wrk on loopback: gunicorn with
4 gthread workers of 4 threads (``--workers 4 --threads 4``, as deployed on a 2-core box: the rows
``web.*``), waitress in one process (the default ``--workers 1``, the rows ``web.waitress.*``), and
gunicorn with 2 workers of 8 threads (``web.2x8.*``, the deployment before), each page beside the floor
measured on the same server.

Bounded: each target is loaded for a fixed few seconds with a fixed number of connections, against a
server on 127.0.0.1 that this benchmark starts and stops; five targets on each server.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

DURATION_S = int(os.environ.get("BENCH_WEB_SECONDS", "10"))
WARM_UP_S = 2
CONNECTIONS = 16
# (row prefix, processes, threads each): gunicorn as deployed on a 2-core box (deploy/loaphuong.env.example)
# first, then one waitress process with `serve`'s default threads, then the 2 x 8 deployed before: wrk's 16
# kept-alive connections often fell unevenly on its two workers, leaving one core idle.
SERVERS = (("web.", 4, 4), ("web.waitress.", 1, 8), ("web.2x8.", 2, 8))
BULLETINS = 1000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed_web(env: dict) -> list[str]:
    """Migrate, load the demo ward, add bulletins up to 1,000; return an operator's API token, id, department."""
    code = f"""
import random
from datetime import timedelta
from sqlalchemy import select
from broadcast.runtime import open_runtime
from broadcast.migrate import upgrade
from broadcast.config import load_settings
from broadcast.db import engine_for
from broadcast.demo import load_demo
from broadcast.domain.models import Bulletin, Category, Department, User
from broadcast.domain.types import utcnow
from broadcast.security import create_token
s = load_settings(); upgrade(engine_for(s.database_url)); rt = open_runtime(s)
with rt.unit() as db:
    load_demo(db, s)
    cats = list(db.scalars(select(Category))); depts = list(db.scalars(select(Department)))
    author = db.scalar(select(User).where(User.username == "vanhoa"))
    today = utcnow().date(); rnd = random.Random(7)
    for i in range({BULLETINS} - 12):
        db.add(Bulletin(title=f"Tin số {{i}} về cải cách hành chính", body="Nội dung tin bài. " * 20,
                        category=rnd.choice(cats), department=rnd.choice(depts), author=author,
                        status=rnd.choice(["approved", "submitted", "draft"]), valid_from=today,
                        valid_until=today + timedelta(days=30), airings_wanted=3, airings_left=3))
    operator = db.scalar(select(User).where(User.username == "vanhanh"))
    token = create_token(db, operator, "bench")
    print(token, operator.id, operator.department_id)
"""
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1].split()


def _wait_up(url: str, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server did not answer at {url}")


def _session_cookie(base: str) -> str:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"username": "vanhanh", "password": "loaphuong2025", "csrf_token": token}).encode()
    opener.open(base + "/login", data=data).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def _wrk(url: str, header: str) -> dict:
    """wrk on ``url``: a short run first, so that every worker has compiled its templates and filled its
    caches (a server runs for days; its first requests are not what the rows describe), then the measured one."""
    for seconds in (WARM_UP_S, DURATION_S):
        out = subprocess.run(
            ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "5s", "-H", header, url],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
        ).stdout
    return _wrk_parse(out)


def _wrk_parse(out: str) -> dict:
    """Requests/s, p99 latency, request count and errors from wrk's --latency report."""
    requests = re.search(r"(\d+) requests in", out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sock.groups())) if sock else 0)
    return {"rps": rps, "p99_ms": p99_ms, "errors": errors, "requests": int(requests.group(1)) if requests else None}


def run() -> list[dict]:
    if shutil.which("wrk") is None:
        return [
            {
                "name": "web.*",
                "value": None,
                "unit": "",
                "limit": None,
                "target": None,
                "note": "wrk not installed (apt-get install wrk)",
            }
        ]
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCAST_")}
        env.update(
            BROADCAST_DATA_DIR=tmp, BROADCAST_DATABASE_URL=f"sqlite:///{tmp}/bench.db", BROADCAST_TTS_ENGINES="espeak"
        )
        token, uid, dept = seed_web(env)
        rows = []
        for prefix, workers, threads in SERVERS:
            rows += _rows(measure(env, token, uid, dept, workers, threads), prefix)
    return rows


def measure(env: dict, token: str, uid: str, dept: str, workers: int, threads: int) -> dict:
    """wrk on the five targets of one server (``workers`` 1 = waitress, more = gunicorn) started for them."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    # The production app and server (as `broadcast serve --no-scheduler --workers N`), plus the floor routes.
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.web_server", str(port), str(threads), uid, dept, str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_up(base + "/healthz")
        got = {"floor": _wrk(base + "/bench/floor", "X-Bench: floor")}
        got["api"] = _wrk(base + "/api/v1/bulletins", f"Authorization: Bearer {token}")
        cookie = _session_cookie(base)
        got["page_floor"] = _wrk(base + "/bench/page-floor", f"Cookie: {cookie}")
        got["dash"] = _wrk(base + "/", f"Cookie: {cookie}")
        got["prog"] = _wrk(base + "/programmes", f"Cookie: {cookie}")
    finally:
        server.terminate()  # gunicorn's arbiter stops its workers on SIGTERM
        server.wait(timeout=30)
    return got


def _row(name: str, value, unit: str, target: str | None, limit=None) -> dict:
    return {"name": name, "value": value, "unit": unit, "limit": limit, "target": target}


def _rows(got: dict, prefix: str = "web.") -> list[dict]:
    """Each page beside its floor on the same server (the ``limit`` column; ``ratio`` = value / floor)."""
    floor = {"name": f"{prefix}floor_rps", "value": got["floor"]["rps"]}
    page_floor = {"name": f"{prefix}page_floor_rps", "value": got["page_floor"]["rps"]}
    return [
        _row(f"{prefix}floor_rps", got["floor"]["rps"], "req/s", "floor: the API list's JSON from hand-written SQL"),
        _row(f"{prefix}api_list_rps", got["api"]["rps"], "req/s", ">= 300 and ratio >= 0.7", floor),
        _row(f"{prefix}api_list_p99_ms", got["api"]["p99_ms"], "ms", "< 100"),
        _row(f"{prefix}page_floor_rps", got["page_floor"]["rps"], "req/s", "floor: the same rows in the base template"),
        _row(f"{prefix}dashboard_rps", got["dash"]["rps"], "req/s", ">= 150", page_floor),
        _row(f"{prefix}dashboard_p99_ms", got["dash"]["p99_ms"], "ms", "< 150"),
        _row(f"{prefix}programme_page_rps", got["prog"]["rps"], "req/s", ">= 150", page_floor),
        _row(f"{prefix}programme_page_p99_ms", got["prog"]["p99_ms"], "ms", "< 150"),
        _row(f"{prefix}errors", sum(g["errors"] for g in got.values()), "count", "0"),
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
