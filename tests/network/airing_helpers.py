"""Helpers for the airing tests: short real audio and a session starting in a few seconds."""

from __future__ import annotations

import hashlib
import math
import struct
import threading
import time
import wave
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from broadcast.domain.models import AsRun, Programme, ProgrammeItem, Station
from broadcast.domain.types import utcnow


def tone(path: Path, ms: int, freq: int = 440, rate: int = 44100) -> Path:
    """A sine tone of ``ms`` milliseconds (loud enough never to count as a pause)."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = int(rate * ms / 1000)
        w.writeframes(
            b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq * i / rate))) for i in range(frames))
        )
    return path


def add_session(runtime, folder: Path, *, code: str, start_in_s: float, durations=(1500, 1500)) -> dict:
    """A programme of MOLAO today starting ``start_in_s`` from now, with real tones as its items."""
    folder.mkdir(parents=True, exist_ok=True)
    start = utcnow() + timedelta(seconds=start_in_s)
    with runtime.unit() as s:
        molao = s.scalar(select(Station).where(Station.code == "MOLAO"))
        programme = Programme(
            station_id=molao.id,
            on_date=start.astimezone(runtime.settings.tz).date(),
            session_code=code,
            starts_at=start,
            max_duration_s=900,
            locked=True,
        )
        offset = 0
        for pos, ms in enumerate(durations):
            path = tone(folder / f"{code}-{pos}.wav", ms, 300 + 100 * pos)
            programme.items.append(
                ProgrammeItem(
                    position=pos,
                    kind="asset",
                    title=f"{code} {pos}",
                    audio_path=str(path),
                    duration_ms=ms,
                    planned_start=start + timedelta(milliseconds=offset),
                )
            )
            offset += ms
        s.add(programme)
        return {
            "date": programme.on_date.isoformat(),
            "session": code,
            "start": start,
            "sha": [
                hashlib.sha256((folder / f"{code}-{p}.wav").read_bytes()).hexdigest() for p in range(len(durations))
            ],
        }


def server_rows(runtime, code: str | None = None) -> list[AsRun]:
    with runtime.unit() as s:
        query = select(AsRun).where(AsRun.source == "agent").order_by(AsRun.position, AsRun.id)
        if code:
            query = query.where(AsRun.session_code == code)
        rows = s.scalars(query).all()
        s.expunge_all()
        return rows


def run_loop(agent) -> threading.Thread:
    thread = threading.Thread(target=agent.run_forever, name="agent-main", daemon=True)
    thread.start()
    return thread


def wait_for(predicate, timeout=15.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("condition not met in time")
