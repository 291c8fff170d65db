"""Short sessions of a generated tone for the playout benchmarks (``scheduler``, ``soak``): the tone, the
programmes one after another, and how many runs have finished."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from pathlib import Path


def make_tone(path: Path, seconds: float, freq: int) -> Path:
    """A mono sine tone of ``seconds`` at ``freq`` Hz (MP3 by the file's suffix)."""
    source = f"sine=frequency={freq}:duration={seconds:g}"
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-v", "error", "-y", "-f", "lavfi", "-i", source, "-ac", "1", str(path)],
        check=True,
    )
    return path


def add_tone_sessions(
    runtime,
    station_id: int,
    tone: Path,
    *,
    count: int,
    first: datetime,
    every_s: float,
    items: int,
    item_ms: int,
    prefix: str,
) -> None:
    """``count`` programmes of ``items`` tones each, the first at ``first``, then one every ``every_s`` seconds;
    session codes ``<prefix>000``, ``<prefix>001``…"""
    from broadcast.domain.models import Programme, ProgrammeItem

    with runtime.unit() as s:
        for i in range(count):
            start = first + timedelta(seconds=i * every_s)
            code = f"{prefix}{i:03d}"
            p = Programme(
                station_id=station_id, on_date=start.date(), session_code=code, starts_at=start, max_duration_s=60
            )
            for k in range(items):
                p.items.append(
                    ProgrammeItem(
                        position=k,
                        kind="asset",
                        title=f"tone {k}",
                        audio_path=str(tone),
                        planned_start=start + timedelta(milliseconds=item_ms * k),
                        duration_ms=item_ms,
                    )
                )
            s.add(p)


def finished_runs(runtime) -> int:
    """Playout runs no longer running (done, failed, interrupted...)."""
    from sqlalchemy import func, select

    from broadcast.domain.models import PlayoutRun

    with runtime.unit() as s:
        return s.scalar(select(func.count(PlayoutRun.id)).where(PlayoutRun.status != "running"))
