"""What a device keeps locally: its station's programmes for the next days, each item's audio named by
the SHA-256 of its bytes (content-addressed, so the agent verifies what it downloaded)."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..config import Settings
from ..domain.models import AsRun, Device, Programme
from ..domain.types import utcnow
from ..errors import ValidationError
from .devices import iso

DEFAULT_DAYS = 3
MAX_DAYS = 7
MEDIA_URL = "/api/v1/agent/media/{sha256}"
WATERMARK_DAYS = 20  # shorter than the agent keeps delivered rows (30 days)

_digests: dict[tuple, str] = {}
_digests_lock = threading.Lock()
_MAX_CACHED = 10_000


def file_sha256(path: str | Path) -> str | None:
    """The file's SHA-256, cached by (path, size, mtime): the manifest is asked for often, files change rarely."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        return None
    key = (str(p), st.st_size, st.st_mtime_ns)
    with _digests_lock:
        if key in _digests:
            return _digests[key]
    h = hashlib.sha256()
    with p.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    digest = h.hexdigest()
    with _digests_lock:
        if len(_digests) >= _MAX_CACHED:
            _digests.clear()
        _digests[key] = digest
    return digest


def parse_days(value) -> int:
    if value in (None, ""):
        return DEFAULT_DAYS
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"Số ngày phải từ 1 đến {MAX_DAYS}.", field="days")
    return days


def _programmes(session: Session, settings: Settings, station_id: int, days: int) -> list[Programme]:
    today = utcnow().astimezone(settings.tz).date()
    return list(
        session.scalars(
            select(Programme)
            .options(selectinload(Programme.items))
            .where(
                Programme.station_id == station_id,
                Programme.on_date >= today,
                Programme.on_date < today + timedelta(days=days),
            )
            .order_by(Programme.starts_at, Programme.id)
        )
    )


def _item_json(item) -> dict:
    digest = file_sha256(item.audio_path) if item.audio_path else None
    return {
        "position": item.position,
        "kind": item.kind,
        "bulletin_id": item.bulletin_id,
        "title": item.title,
        "category": item.category_code,
        "duration_ms": item.duration_ms,
        "sha256": digest,
        # The clusters the item is meant for (its bulletin's at this station); [] = every cluster. A device
        # serving clusters airs an item only when they share one, and logs the others skipped.
        "clusters": list(item.clusters or []),
        "media": MEDIA_URL.format(sha256=digest) if digest else None,
        # A relay item: the agent pulls the upstream itself; the media above is its fallback.
        "relay": item.relay,
    }


def station_sessions(
    session: Session, settings: Settings, station_id: int, days: int = DEFAULT_DAYS
) -> tuple[list[dict], str]:
    """The station's sessions as the manifest lists them, and their fingerprint."""
    sessions = []
    for p in _programmes(session, settings, station_id, days):
        sessions.append(
            {
                "programme_id": p.id,
                "date": p.on_date.isoformat(),
                "session": p.session_code,
                "starts_at": iso(p.starts_at),
                "max_duration_s": p.max_duration_s,
                "locked": p.locked,
                "items": [_item_json(i) for i in p.items],
            }
        )
    # The fingerprint covers the programme only (not server_time), so an unchanged programme keeps it.
    return sessions, hashlib.sha256(json.dumps(sessions, sort_keys=True).encode()).hexdigest()[:16]


def asrun_watermark(session: Session, settings: Settings, device: Device) -> dict:
    """How many of this device's rows the server holds for air dates from ``since``: an agent holding more
    (the server's database was restored from an older backup) delivers them again; each is stored once."""
    since = utcnow().astimezone(settings.tz).date() - timedelta(days=WATERMARK_DAYS)
    count = session.scalar(select(func.count(AsRun.id)).where(AsRun.device_id == device.id, AsRun.air_date >= since))
    return {"since": since.isoformat(), "count": count}


def build_manifest(session: Session, settings: Settings, device: Device, days: int = DEFAULT_DAYS) -> dict:
    sessions, version = station_sessions(session, settings, device.station_id, days)
    missing = [
        f"{s['date']} {s['session']} #{i['position']}" for s in sessions for i in s["items"] if i["sha256"] is None
    ]
    return {
        "station": device.station.code,
        "device": device.code,
        "clusters": list(device.clusters or []),
        # The agent airs only when its station's output is "agent"; otherwise the server does (no double airing).
        "aired_by": "agent" if device.station.sink == "agent" else "server",
        "server_time": iso(utcnow()),
        "timezone": settings.timezone,
        "days": days,
        "version": version,
        "sessions": sessions,
        "asrun": asrun_watermark(session, settings, device),
        "missing": missing,
    }
