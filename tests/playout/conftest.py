"""Playout fixtures: short real audio files and programmes made of them."""

from __future__ import annotations

import subprocess
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from broadcast.domain.models import (
    AsRun,
    Bulletin,
    PlayoutRun,
    Programme,
    ProgrammeItem,
    SessionTemplate,
    Station,
    Ward,
)
from broadcast.domain.types import utcnow


def make_tone(path: Path, seconds: float, freq: int = 440, *, silence_every: float | None = None) -> Path:
    src = f"sine=frequency={freq}:duration={seconds}"
    cmd = ["ffmpeg", "-hide_banner", "-v", "error", "-y", "-f", "lavfi", "-i", src]
    if silence_every:
        # half-second gaps (a "sentence" pause) every `silence_every` seconds
        cmd += ["-af", f"volume=enable='gt(mod(t,{silence_every}),{silence_every - 0.5})':volume=0"]
    cmd += ["-ac", "1", "-ar", "44100", str(path)]
    subprocess.run(cmd, check=True)
    path.chmod(0o644)
    return path


@pytest.fixture(scope="session")
def tones(tmp_path_factory):
    d = tmp_path_factory.mktemp("tones")
    d.chmod(0o755)
    return {
        "a": make_tone(d / "a.mp3", 1.0, 440),
        "b": make_tone(d / "b.mp3", 1.0, 660),
        "c": make_tone(d / "c.mp3", 1.0, 880),
        "four": make_tone(d / "four.mp3", 4.0, 550),
        "short": make_tone(d / "short.mp3", 0.3, 500),
        "long": make_tone(d / "long.mp3", 4.0, 330, silence_every=1.0),
        "dir": d,
    }


def make_station(session, code="MOLAO", sink="null") -> Station:
    station = session.scalar(select(Station).where(Station.code == code))
    if station is None:
        ward = session.scalar(select(Ward)) or Ward(code="W" + code, name="Phường thử")
        station = Station(code=code, name=f"Đài {code}", sink=sink, ward=ward)
        session.add(station)
    station.sink = sink
    session.flush()
    return station


def make_programme(
    session,
    station: Station,
    files: list,
    *,
    on_date: date | None = None,
    session_code="sang",
    starts_at: datetime | None = None,
    bulletin_ids: list | None = None,
) -> Programme:
    """A programme of the given files (durations probed from the real audio)."""
    from broadcast.playout.items import probe_ms

    starts_at = starts_at or utcnow()
    on_date = on_date or starts_at.astimezone(timezone(timedelta(hours=7))).date()
    programme = Programme(
        station_id=station.id, on_date=on_date, session_code=session_code, starts_at=starts_at, max_duration_s=900
    )
    session.add(programme)
    offset = 0
    for pos, f in enumerate(files):
        duration = probe_ms(str(f)) if Path(str(f)).exists() else 1000
        bid = bulletin_ids[pos] if bulletin_ids and pos < len(bulletin_ids) else None
        programme.items.append(
            ProgrammeItem(
                position=pos,
                kind="bulletin" if bid else "asset",
                title=f"Mục {pos + 1}",
                audio_path=str(f),
                planned_start=starts_at + timedelta(milliseconds=offset),
                duration_ms=duration,
                bulletin_id=bid,
            )
        )
        offset += duration
    session.flush()
    return programme


@pytest.fixture
def station(runtime):
    with runtime.unit() as s:
        st = make_station(s)
        s.expunge(st)
    return st


def first_bulletin(session) -> Bulletin:
    return session.scalar(select(Bulletin).order_by(Bulletin.id))


def add_template(session, station, code, start, days="1234567", max_s=900):
    t = SessionTemplate(
        station_id=station.id, code=code, name=code, start_time=start, days=days, max_duration_s=max_s, slots=[]
    )
    session.add(t)
    session.flush()
    return t


# ---------------------------------------------------------------- airing


def air_programme(runtime, programme_id, station_id, *, sink="null", speed=0.0, join_ms=0, scheduled=None, **cfg):
    """Claim a manual run of the programme and air it on ``sink`` (speed 0 = as fast as possible)."""
    from broadcast.playout.claims import claim_run
    from broadcast.playout.config import PlayoutConfig
    from broadcast.playout.run import air_run
    from broadcast.playout.sinks import open_sink

    now = utcnow()
    with runtime.unit() as s:
        p = s.get(Programme, programme_id)
        day, code = p.on_date, p.session_code
    run_id = claim_run(
        runtime,
        station_id=station_id,
        claim_key=f"test:{now.timestamp()}",
        kind="manual",
        air_date=day,
        session_code=code,
        programme_id=programme_id,
        scheduled_start=scheduled or now,
        holder="test",
        sink=sink,
    )
    out = open_sink(sink)
    try:
        return air_run(
            runtime, run_id, sink=out, config=PlayoutConfig(speed=speed, heartbeat_s=0.2, **cfg), join_ms=join_ms
        )
    finally:
        out.close()


def run_rows(runtime, run_id):
    with runtime.unit() as s:
        rows = s.scalars(select(AsRun).where(AsRun.run_id == run_id).order_by(AsRun.id)).all()
        s.expunge_all()
        return rows


# ---------------------------------------------------------------- the service

FAST = dict(
    speed=1.0,
    heartbeat_s=0.2,
    poll_s=0.1,
    derive_s=0.5,
    preroll_s=0.5,
    grace_s=30,
    lease_ttl_s=5,
    lease_renew_s=1,
    stale_s=2,
)


def wait_for(predicate, timeout=15.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out waiting")


def runs(runtime, **where):
    with runtime.unit() as s:
        q = select(PlayoutRun).order_by(PlayoutRun.id)
        for k, v in where.items():
            q = q.where(getattr(PlayoutRun, k) == v)
        out = s.scalars(q).all()
        s.expunge_all()
        return out


def rows(runtime, **where):
    with runtime.unit() as s:
        q = select(AsRun).order_by(AsRun.id)
        for k, v in where.items():
            q = q.where(getattr(AsRun, k) == v)
        out = s.scalars(q).all()
        s.expunge_all()
        return out


@pytest.fixture
def service_factory(runtime):
    """Start playout services with the fast test settings; each is shut down after the test."""
    from broadcast.playout.config import PlayoutConfig
    from broadcast.playout.service import PlayoutService

    started = []

    def make(**overrides):
        svc = PlayoutService(runtime, PlayoutConfig(**{**FAST, **overrides})).start()
        started.append(svc)
        return svc

    yield make
    for svc in started:
        svc.shutdown(timeout=5)
