"""The ward's public listening page and podcast feed under load: 5,000 aired public bulletins in one ward,
the production app under waitress (as `broadcast serve`), driven by wrk on loopback.

Rows: ``public.floor_rps`` (a constant answer through the same public blueprint, server and threads: the
cost of the framework, the rate limiter and the server alone), ``public.page_rps`` and ``public.page_p99_ms``
(the ward page, as a phone opens it), ``public.feed_304_rps`` (a podcast app revalidating the ward feed
with the ETag of a first request). The rate limit is raised far out of the way (``RATE_LIMIT``): every
request here comes from one address, which the production limit would refuse after a few hundred.
Bounded: each target is loaded for BENCH_WEB_SECONDS (default 5) with a fixed number of connections.

Run alone: ``python -m bench public``. ``python -m bench.public seed|serve`` are the helpers it starts.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

DURATION_S = int(os.environ.get("BENCH_WEB_SECONDS", "5"))
CONNECTIONS = 16
THREADS = 8  # as `broadcast serve` (waitress) runs by default
BULLETINS = 5000
WARD = "MOLAO"
RATE_LIMIT = "10000000 per minute"
FLOOR_PATH = "/nghe/bench-floor"
# Counts the answers that are not the one expected (wrk alone lumps 3xx with 2xx).
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) unexpected = 0 end
function response(status, headers, body) if status ~= %d then unexpected = unexpected + 1 end end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("unexpected") end
  io.write(string.format("unexpected status: %%d\\n", n))
end
"""


def seed(mp3: str) -> None:
    """Migrate, load the demo ward and bulk-insert the aired public bulletins, their audio and airings."""
    from sqlalchemy import insert, select

    from broadcast.config import load_settings
    from broadcast.db import engine_for
    from broadcast.demo import load_demo
    from broadcast.domain.models import AsRun, AudioRendition, Bulletin, Category, Department, Station, User
    from broadcast.migrate import upgrade
    from broadcast.publishing.visibility import PRIVATE_BY_DEFAULT
    from broadcast.runtime import open_runtime

    settings = load_settings()
    upgrade(engine_for(settings.database_url))
    runtime = open_runtime(settings)
    with runtime.unit() as db:
        load_demo(db, settings)
        station = db.scalar(select(Station).where(Station.code == WARD))
        cats = [c for c in db.scalars(select(Category)) if c.code not in PRIVATE_BY_DEFAULT]
        depts = list(db.scalars(select(Department).where(Department.ward_id == station.ward_id)))
        author = db.scalar(select(User).where(User.username == "vanhoa"))
        rnd = random.Random(17)
        start = datetime.now(UTC) - timedelta(days=400)
        bulletins = [
            {
                "title": f"Tin số {i}: cải cách thủ tục hành chính trên địa bàn phường",
                "body": "Nội dung tin bài phát trên loa phường để bà con nắm được. " * 8,
                "category_id": rnd.choice(cats).id,
                "department_id": rnd.choice(depts).id,
                "author_id": author.id,
                "status": "completed",
                "valid_from": start.date(),
                "valid_until": start.date() + timedelta(days=500),
                "airings_wanted": 1,
                "airings_left": 0,
            }
            for i in range(BULLETINS)
        ]
        ids = list(db.scalars(insert(Bulletin).returning(Bulletin.id), bulletins))
        db.execute(
            insert(AudioRendition),
            [
                {"content_hash": f"bench-{bid}", "bulletin_id": bid, "bulletin_version": 1, "engine": "espeak"}
                | {"path": mp3, "duration_ms": 1000}
                for bid in ids
            ],
        )
        airings = []
        for n, (bid, row) in enumerate(zip(ids, bulletins, strict=True)):
            when = start + timedelta(minutes=110 * n)  # about 13 a day, over the past 400 days
            airings.append(
                {"station_id": station.id, "air_date": when.date(), "kind": "bulletin", "bulletin_id": bid}
                | {"title": row["title"], "actual_start": when, "actual_end": when + timedelta(seconds=1)}
                | {"aired_ms": 1000, "status": "aired"}
            )
        db.execute(insert(AsRun), airings)


def build():
    """The production app plus one constant route on the public blueprint (the floor)."""
    from web import create_app
    from web.public import bp

    @bp.get("/bench-floor")
    def bench_floor():
        return "Loa Phường"

    from broadcast.runtime import open_runtime

    return create_app(runtime=open_runtime())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except urllib.error.HTTPError as exc:  # up, but the page is broken: say so rather than wait
            raise RuntimeError(f"{url} answered {exc.code}") from None
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server did not answer at {url}")


def _tone(path: Path) -> None:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1"]
        + ["-ac", "1", "-ar", "44100", "-b:a", "64k", str(path)],
        check=True,
    )


def wrk(url: str, tmp: str, *, expect: int = 200, headers: tuple[str, ...] = ()) -> dict:
    script = Path(tmp) / f"expect-{expect}.lua"
    script.write_text(WRK_SCRIPT % expect)
    cmd = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION_S}s", "--latency", "--timeout", "5s", "-s", str(script)]
    for header in headers:
        cmd += ["-H", header]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=DURATION_S + 30).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> dict:
    """Requests/s, p99 latency and errors (unexpected statuses, socket errors) from wrk's report."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    unexpected = re.search(r"unexpected status: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(unexpected.group(1)) if unexpected else 0) + (sum(map(int, sock.groups())) if sock else 0)
    return {"rps": rps, "p99_ms": p99_ms, "errors": errors}


def _errors(got: dict) -> int:
    return sum(g["errors"] for g in got.values() if isinstance(g, dict))


def _miss_ms(page: str) -> float:
    """Median time of a page the cache does not hold yet (each listing page is kept apart): the database
    read over the 5,000 bulletins and the render, as the first phone after the cache expires meets it."""
    times = []
    for n in range(1, 8):
        started = time.perf_counter()
        with urllib.request.urlopen(f"{page}?trang={n}", timeout=30) as response:
            response.read()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _etag(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        etag = response.headers["ETag"]
    try:  # the server must answer the revalidation with a 304, or the row would measure something else
        urllib.request.urlopen(urllib.request.Request(url, headers={"If-None-Match": etag}), timeout=30)
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return etag
        raise
    raise RuntimeError("the feed did not answer its own ETag with 304")


def _measure(tmp: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCAST_")}
    env.update(
        BROADCAST_DATA_DIR=tmp,
        BROADCAST_DATABASE_URL=f"sqlite:///{tmp}/bench.db",
        BROADCAST_TTS_ENGINES="espeak",
        BROADCAST_PUBLIC_RATE_LIMIT=RATE_LIMIT,
    )
    mp3 = Path(tmp) / "tone.mp3"
    _tone(mp3)
    subprocess.run([sys.executable, "-m", "bench.public", "seed", str(mp3)], env=env, check=True)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.public", "serve", str(port), str(THREADS)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_up(base + FLOOR_PATH)
        got = {"floor": wrk(base + FLOOR_PATH, tmp)}
        page = f"{base}/nghe/{WARD}/"
        got["page_miss_ms"] = _miss_ms(page)
        _wait_up(page)  # the first request fills the cache, as the first phone after a broadcast does
        got["page"] = wrk(page, tmp)
        feed = f"{base}/nghe/{WARD}/podcast.xml"
        got["feed_304"] = wrk(feed, tmp, expect=304, headers=(f"If-None-Match: {_etag(feed)}",))
    finally:
        server.terminate()
        server.wait(timeout=10)
    return got


def run() -> list[dict]:
    if shutil.which("wrk") is None:
        return [_row("public.*", None, "", None, note="wrk not installed (apt-get install wrk)")]
    with tempfile.TemporaryDirectory() as tmp:
        got = _measure(tmp)
    return _rows(got)


def _row(name: str, value, unit: str, target: str | None, limit=None, note: str | None = None) -> dict:
    return {"name": name, "value": value, "unit": unit, "limit": limit, "target": target, "note": note}


def _rows(got: dict) -> list[dict]:
    """Each target beside the floor measured in the same run (``ratio`` = value / floor)."""
    floor = {"name": "public.floor_rps", "value": got["floor"]["rps"]}
    limit_note = f"rate limit raised to {RATE_LIMIT} (one client address)"
    return [
        _row(
            "public.floor_rps",
            got["floor"]["rps"],
            "req/s",
            "floor: a constant answer through the public blueprint, same server",
            note=limit_note,
        ),
        _row(
            "public.page_rps",
            got["page"]["rps"],
            "req/s",
            f">= 300 ({BULLETINS:,} aired bulletins; page cache on)",
            floor,
            note=limit_note,
        ),
        _row("public.page_p99_ms", got["page"]["p99_ms"], "ms", "< 100"),
        _row(
            "public.page_miss_ms",
            got["page_miss_ms"],
            "ms",
            "informative: a page not in the cache (median of 7 listing pages)",
        ),
        _row(
            "public.feed_304_rps",
            got["feed_304"]["rps"],
            "req/s",
            ">= 1000 (If-None-Match with the feed's ETag)",
            floor,
            note=limit_note,
        ),
        _row("public.errors", _errors(got), "count", "0"),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        seed(sys.argv[2])
    elif sys.argv[1:2] == ["serve"]:
        from waitress import serve

        serve(build(), host="127.0.0.1", port=int(sys.argv[2]), threads=int(sys.argv[3]), ident="loa-phuong")
    else:
        for row in run():
            print(row)
