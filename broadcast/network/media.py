"""Which audio file a device may download: one its station's programmes use, or an emergency sent to it.

Kept apart from ``manifest`` and ``commands`` because it asks both (and neither needs the other)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..config import Settings
from ..domain.models import Device, Programme
from ..domain.types import utcnow
from ..errors import NotFound
from .commands import emergency_media
from .manifest import file_sha256


def media_path(session: Session, settings: Settings, device: Device, sha256: str) -> Path:
    """The file with this digest, if one of the device's station programmes (yesterday on) uses it."""
    sha256 = (sha256 or "").lower()
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise NotFound("Không có tệp âm thanh này.")
    since = utcnow().astimezone(settings.tz).date() - timedelta(days=1)
    for p in session.scalars(
        select(Programme)
        .options(selectinload(Programme.items))
        .where(Programme.station_id == device.station_id, Programme.on_date >= since)
    ):
        for item in p.items:
            if item.audio_path and file_sha256(item.audio_path) == sha256:
                return Path(item.audio_path)
    path = emergency_media(session, device, sha256)
    if path is not None:
        return path
    raise NotFound("Không có tệp âm thanh này trong chương trình của đài.")
