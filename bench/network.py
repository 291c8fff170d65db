"""The station network (issue #12): sync, outbox drain, an idle agent's memory, emergency fan-out.

One temporary SQLite database with the demo ward (MOLAO aired by its devices) and a second station
FAN with 1,000 devices; the production server (``broadcast serve``, waitress) and the agent as child
processes on loopback; the bench's own Mosquitto on a free port. Rows:

- ``network.sync_s``: a fresh agent (``Agent.sync_once``: manifest, then every file by its SHA-256,
  verified) fetches a 3-day programme of six 15-minute sessions (90 minutes of audio: real WAV and MP3
  files made with ffmpeg, a signature tune shared by every session). Its limit is the floor: the same
  manifest and the same files fetched from the same server with plain urllib into files, no hashing.
  Best of two runs each (the machine is shared).
- ``network.outbox_drain_s``: 10,000 as-run rows queued in a real agent outbox (``agent/outbox.py``)
  while the server was away, then delivered (``Agent.deliver_once``: batches of 500) and acknowledged;
  the database then holds each uid once (rows minus distinct uids = duplicates).
- ``agent.rss_mb``: VmRSS of ``broadcast agent --mqtt ...`` as its own process, synced and settled 5 s.
- ``network.emergency_fanout_*``: bench/network_fanout.py.

``BENCH_NETWORK_DEVICES`` and ``BENCH_NETWORK_OUTBOX_ROWS`` shrink it for a quick look. Reports; never fails.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from bench import network_fanout
from bench.network_procs import (
    Children,
    free_port,
    raise_fd_limit,
    rss_mb,
    start_broker,
    stopped_by_sigterm,
    wait_http,
)

DEVICES = int(os.environ.get("BENCH_NETWORK_DEVICES", str(network_fanout.DEVICES)))
OUTBOX_ROWS = int(os.environ.get("BENCH_NETWORK_OUTBOX_ROWS", "10000"))
DAYS = 3
SESSIONS = ("sang", "chieu")
SIGNATURE_S, RECORDING_S, MP3_S, MP3_PER_SESSION = 20, 60, 205, 4  # 20 + 60 + 4 x 205 = 900 s a session
OUTAGE_DAYS = 10
SETTLE_S = 5.0


def _env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCAST_")}
    env.update(
        BROADCAST_DATA_DIR=str(tmp / "server"),
        BROADCAST_DATABASE_URL=f"sqlite:///{tmp / 'server' / 'bench.db'}",
        BROADCAST_TTS_ENGINES="espeak",
        BROADCAST_SECRET_KEY="bench-network",
    )
    (tmp / "server").mkdir()
    return env


def _tone(out: Path, freq: int, seconds: int, *extra: str) -> Path:
    from broadcast.audio import ffmpeg

    ffmpeg.run(
        ["-f", "lavfi", "-i", f"sine=frequency={freq}:duration={seconds}", "-ac", "1", "-ar", "44100", *extra]
        + [str(out)],
        "tạo âm thanh thử",
        loglevel="error",
    )
    return out


def _session_audio(folder: Path, n: int, signature: Path, source: Path) -> list[tuple[Path, int]]:
    """One session's files, (path, duration ms): the shared signature tune, a WAV recording, four MP3s
    (copies of the day's encode that differ in their title tag: distinct files, cheap to make)."""
    from broadcast.audio import ffmpeg

    recording = _tone(folder / f"ghiam-{n}.wav", 300 + 40 * n, RECORDING_S)
    items = [(signature, SIGNATURE_S * 1000), (recording, RECORDING_S * 1000)]
    for k in range(MP3_PER_SESSION):
        out = folder / f"bantin-{n}-{k}.mp3"
        ffmpeg.convert(source, out, "sao tệp MP3", args=["-c", "copy", "-metadata", f"title=Bản tin {n}.{k}"])
        items.append((out, MP3_S * 1000))
    return items


def _make_audio(folder: Path) -> list[list[tuple[Path, int]]]:
    folder.mkdir()
    signature = _tone(folder / "nhac-hieu.wav", 880, SIGNATURE_S)
    mp3 = ("-b:a", "64k", "-compression_level", "9")
    with ThreadPoolExecutor(2) as pool:
        sources = list(pool.map(lambda d: _tone(folder / f"nguon-{d}.mp3", 320 + 40 * d, MP3_S, *mp3), range(DAYS)))
        return list(
            pool.map(
                lambda n: _session_audio(folder, n, signature, sources[n // len(SESSIONS)]),
                range(DAYS * len(SESSIONS)),
            )
        )


def _programme(station, day, code: str, starts_at, files) -> object:
    from broadcast.domain.models import Programme, ProgrammeItem

    programme = Programme(
        station_id=station.id, on_date=day, session_code=code, starts_at=starts_at, max_duration_s=1800, locked=True
    )
    at = starts_at
    for pos, (path, ms) in enumerate(files):
        programme.items.append(
            ProgrammeItem(
                position=pos, kind="asset", title=path.stem, audio_path=str(path), duration_ms=ms, planned_start=at
            )
        )
        at += timedelta(milliseconds=ms)
    return programme


def _seed(runtime, audio, emergency_audio: Path) -> dict:
    """Demo ward; MOLAO aired by devices SYNC01, RSS01, OUT01 with a 3-day programme (all in the future, so
    the idle agent airs nothing) and the past days of the outage; station FAN with the simulated devices;
    two submitted emergency bulletins with audio for FAN."""
    from sqlalchemy import select

    from broadcast.bulletins import workflow
    from broadcast.demo import load_demo
    from broadcast.domain.models import Bulletin, Station
    from broadcast.domain.types import utcnow
    from broadcast.network.devices import add_device

    with runtime.unit() as s:
        load_demo(s, runtime.settings)
    now = utcnow().replace(microsecond=0)
    today = now.astimezone(runtime.settings.tz).date()
    with runtime.unit() as s:
        molao = s.scalar(select(Station).where(Station.code == "MOLAO"))
        molao.sink = "agent"
        fan = Station(code="FAN", name="Đài thử 1.000 loa", ward=molao.ward, sink="agent")
        s.add(fan)
        s.flush()
        tokens = {code: add_device(s, code, "MOLAO")[1] for code in ("SYNC01", "RSS01", "OUT01")}
        fleet = [("FAN", f"D{i:04d}", add_device(s, f"D{i:04d}", "FAN")[1]) for i in range(1, DEVICES + 1)]
        files = iter(audio)
        for k in range(DAYS):
            for j, code in enumerate(SESSIONS):
                starts = now + timedelta(hours=2, days=k) + timedelta(hours=8 * j)
                s.add(_programme(molao, today + timedelta(days=k), code, starts, next(files)))
        for back in range(1, OUTAGE_DAYS + 1):
            for j, code in enumerate(SESSIONS):
                starts = now - timedelta(days=back) + timedelta(hours=8 * j)
                s.add(_programme(molao, today - timedelta(days=back), code, starts, audio[j]))
        emergencies = s.scalars(
            select(Bulletin).where(Bulletin.status == "submitted").order_by(Bulletin.id).limit(2)
        ).all()
        for bulletin in emergencies:
            bulletin.priority = "emergency"
            bulletin.recording_path = str(emergency_audio)
            bulletin.all_stations = False
            bulletin.stations = [fan]
            bulletin.valid_from = bulletin.valid_until = workflow.local_today(s)
        s.flush()
        return {"tokens": tokens, "fleet": fleet, "bulletins": [b.id for b in emergencies], "today": today}


# --- sync ------------------------------------------------------------------------------------------


def _get(url: str, token: str):
    return urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"}), timeout=30)


def _floor_download(base: str, token: str, dest: Path) -> tuple[float, int]:
    """Plain urllib: the manifest, then each distinct file into ``dest``; (seconds, bytes)."""
    dest.mkdir()
    started, size = time.perf_counter(), 0
    manifest = json.loads(_get(f"{base}/api/v1/agent/manifest?days={DAYS}", token).read())
    media = {i["sha256"]: i["media"] for s in manifest["sessions"] for i in s["items"] if i["sha256"]}
    for sha, path in media.items():
        with _get(base + path, token) as answer, (dest / sha).open("wb") as out:
            while chunk := answer.read(1 << 16):
                out.write(chunk)
                size += len(chunk)
    return time.perf_counter() - started, size


def _agent_sync(base: str, token: str, data_dir: Path) -> tuple[float, int, bool]:
    from broadcast.agent.runner import Agent, AgentConfig

    agent = Agent(AgentConfig(server=base, token=token, data_dir=data_dir, days=DAYS))
    try:
        started = time.perf_counter()
        ok = agent.sync_once()
        elapsed = time.perf_counter() - started
        files = len(list(agent.media.dir.iterdir()))
        sessions = len((agent.manifest or {}).get("sessions", []))
    finally:
        agent.stop()
    return elapsed, files, ok and sessions == DAYS * len(SESSIONS)


def _measure_sync(base: str, token: str, tmp: Path, expected_files: int) -> list[dict]:
    _get(f"{base}/api/v1/agent/manifest?days={DAYS}", token).read()  # the server hashes its files once
    floors, syncs, size, complete = [], [], 0, True
    for attempt in range(2):
        seconds, size = _floor_download(base, token, tmp / f"floor-{attempt}")
        floors.append(seconds)
        seconds, files, ok = _agent_sync(base, token, tmp / f"sync-{attempt}")
        syncs.append(seconds)
        complete = complete and ok and files == expected_files
    minutes = DAYS * len(SESSIONS) * (SIGNATURE_S + RECORDING_S + MP3_PER_SESSION * MP3_S) / 60
    what = f"{minutes:.0f} min of audio, {expected_files} files, {size / 1e6:.0f} MB"
    return [
        {
            "name": "network.sync_s",
            "value": round(min(syncs), 3),
            "unit": "s",
            "limit": {"name": "network.sync_floor_s", "value": round(min(floors), 3)},
            "target": f"< 5 s: fresh agent, 3-day programme, {what}"
            + ("" if complete else " (INCOMPLETE: files missing)"),
        },
        {
            "name": "network.sync_floor_s",
            "value": round(min(floors), 3),
            "unit": "s",
            "limit": None,
            "target": "the same manifest and bytes by plain urllib, same server, no hashing",
        },
    ]


# --- outbox ----------------------------------------------------------------------------------------


def _outage_rows(today, count: int) -> list[dict]:
    """As-run rows an agent kept during an outage, for the past days' programmes (six items a session)."""
    slots = [(today - timedelta(days=b), code) for b in range(1, OUTAGE_DAYS + 1) for code in SESSIONS]
    rows = []
    for i in range(count):
        day, code = slots[i % len(slots)]
        start = f"{day.isoformat()}T0{1 + i % 8}:00:00+00:00"
        rows.append(
            {
                "uid": f"OUT01-bench-{i:06d}",
                "date": day.isoformat(),
                "session": code,
                "position": (i // len(slots)) % (2 + MP3_PER_SESSION),
                "scheduled_start": start,
                "actual_start": start,
                "actual_end": start.replace(":00:00+", ":03:25+"),
                "planned_ms": MP3_S * 1000,
                "aired_ms": MP3_S * 1000,
                "status": "aired",
                "note": None,
                "device": "OUT01",
                "kind": "asset",
                "lateness_ms": 0,
            }
        )
    return rows


def _prefill_outbox(path: Path, rows: list[dict]) -> None:
    """The outbox file as the agent leaves it after the outage, in its own format (``outbox.SCHEMA``), written
    in one transaction: ``Outbox.add`` commits each row with a full fsync, minutes for 10,000 on a busy disk."""
    from broadcast.agent.outbox import SCHEMA

    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path)
    try:
        db.executescript(SCHEMA)
        with db:
            db.executemany(
                "INSERT INTO outbox (uid, body, created_at) VALUES (?, ?, ?)",
                [(r["uid"], json.dumps(r, ensure_ascii=False), r["actual_end"]) for r in rows],
            )
    finally:
        db.close()


def _measure_outbox(runtime, base: str, token: str, data_dir: Path, today) -> list[dict]:
    from sqlalchemy import func, select

    from broadcast.agent.runner import Agent, AgentConfig
    from broadcast.domain.models import AsRun, Device

    _prefill_outbox(data_dir / "outbox.db", _outage_rows(today, OUTBOX_ROWS))
    agent = Agent(AgentConfig(server=base, token=token, data_dir=data_dir))
    try:
        started = time.perf_counter()
        delivered = agent.deliver_once()
        elapsed = time.perf_counter() - started
        left, rejected = agent.outbox.stats()["outbox"], len(agent.outbox.rejected())
    finally:
        agent.stop()
    with runtime.unit() as s:
        device_id = s.scalar(select(Device.id).where(Device.code == "OUT01"))
        rows, distinct = s.execute(
            select(func.count(AsRun.id), func.count(func.distinct(AsRun.uid))).where(AsRun.device_id == device_id)
        ).one()
    note = "" if delivered and not left and not rejected else f" (left {left}, rejected {rejected})"
    return [
        {
            "name": "network.outbox_drain_s",
            "value": round(elapsed, 3),
            "unit": "s",
            "limit": {"name": "target", "value": 10},
            "target": f"< 10 s: {OUTBOX_ROWS:,} queued rows delivered and acknowledged{note}",
        },
        {
            "name": "network.outbox_duplicates",
            "value": rows - distinct,
            "unit": "rows",
            "limit": {"name": "target", "value": 0},
            "target": "0 (rows minus distinct uids in the server's database)",
        },
        {
            "name": "network.outbox_lost",
            "value": OUTBOX_ROWS - distinct,
            "unit": "rows",
            "limit": {"name": "target", "value": 0},
            "target": "0",
        },
    ]


# --- idle agent ------------------------------------------------------------------------------------


def _measure_rss(children: Children, env: dict, base: str, token: str, mqtt_port: int, data_dir: Path, files: int):
    argv = [sys.executable, "-m", "broadcast", "agent", "--server", base, "--data-dir", str(data_dir)]
    argv += ["--mqtt", f"mqtt://127.0.0.1:{mqtt_port}", "--sink", "null"]
    proc = children.start("agent", argv, {**env, "BROADCAST_AGENT_TOKEN": token})
    media = data_dir / "media"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        children.check("agent", proc)
        synced = (data_dir / "manifest.json").exists() and media.is_dir()
        if synced and len([p for p in media.iterdir() if not p.name.startswith(".")]) >= files:
            break
        time.sleep(0.2)
    else:
        raise RuntimeError("the agent did not finish its first sync in 90 s")
    time.sleep(SETTLE_S)
    samples = []
    for _ in range(3):
        children.check("agent", proc)
        samples.append(rss_mb(proc.pid))
        time.sleep(0.5)
    children.stop(proc)
    return [
        {
            "name": "agent.rss_mb",
            "value": round(max(samples), 1),
            "unit": "MB",
            "limit": {"name": "target", "value": 80},
            "target": f"< 80 MB: idle `broadcast agent --mqtt`, synced, {SETTLE_S:.0f} s settled (VmRSS)",
        }
    ]


def run() -> list[dict]:
    from broadcast.config import load_settings
    from broadcast.db import make_engine
    from broadcast.migrate import upgrade
    from broadcast.runtime import Runtime

    raise_fd_limit()
    started = time.monotonic()

    def _progress(what: str) -> None:  # where the ~3 minutes go, on stderr beside the other modules' timings
        print(f"    network: {what} done at {time.monotonic() - started:.0f} s", file=sys.stderr)

    rows: list[dict] = []
    with stopped_by_sigterm(), tempfile.TemporaryDirectory(prefix="lp-bench-net-") as name:
        tmp = Path(name)
        children = Children(tmp)
        env = _env(tmp)
        settings = load_settings(env)
        engine = make_engine(settings.database_url)
        try:
            upgrade(engine)
            runtime = Runtime(settings, engine)
            _progress("migrate")
            audio = _make_audio(tmp / "audio")
            _progress("audio")
            seed = _seed(runtime, audio, _tone(tmp / "audio" / "khan.wav", 1000, 15))
            files = len({path for session in audio for path, _ in session})
            port = free_port()
            server = children.start(
                "server", [sys.executable, "-m", "broadcast", "serve", "--no-scheduler", "--port", str(port)], env
            )
            base = f"http://127.0.0.1:{port}"
            wait_http(f"{base}/healthz", server, children, "server")
            mqtt_port, _ = start_broker(children, tmp)
            tokens = seed["tokens"]
            _progress("set up")
            rows += _measure_sync(base, tokens["SYNC01"], tmp, files)
            _progress("sync")
            rows += _measure_outbox(runtime, base, tokens["OUT01"], tmp / "outbox-agent", seed["today"])
            _progress("outbox")
            rows += _measure_rss(children, env, base, tokens["RSS01"], mqtt_port, tmp / "idle-agent", files)
            _progress("idle agent")
            rows += network_fanout.measure(runtime, children, env, mqtt_port, "FAN", seed["fleet"], seed["bulletins"])
            _progress("fan-out")
        finally:
            children.stop_all()
            engine.dispose()
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
