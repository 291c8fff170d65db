"""Recordings to air again: live sessions' and recorded relays' audio, turned into a draft bulletin.

A meeting carried live in the morning, or the provincial programme relayed at noon with ``record = true``,
can air again in the evening: the recording becomes a bulletin's own recording, and that bulletin goes
through approval and the programme like any other.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..bulletins import recording as bulletin_recording
from ..bulletins import service as bulletin_service
from ..config import Settings
from ..domain.models import AsRun, Bulletin, User
from ..errors import NotFound, ValidationError


def relay_recordings(session: Session, limit: int = 20) -> list[AsRun]:
    """The last recorded relays, newest first."""
    query = select(AsRun).where(AsRun.recording_path.is_not(None)).order_by(AsRun.id.desc()).limit(limit)
    return list(session.scalars(query))


def relay_recording(session: Session, row_id) -> AsRun:
    try:
        row = session.get(AsRun, int(row_id))
    except (TypeError, ValueError):
        row = None
    if row is None or not row.recording_path or not Path(row.recording_path).exists():
        raise NotFound("Không có bản ghi tiếp sóng này.", code="unknown_recording")
    return row


def to_bulletin(session: Session, settings: Settings, actor: User, path: str | None, form: dict, name: str) -> Bulletin:
    """A draft bulletin whose reading is the recording at ``path`` (title, category, department and airing
    dates from ``form``, checked as any bulletin's)."""
    if not path or not Path(path).exists():
        raise ValidationError("Chưa có bản ghi để phát lại.", field="recording")
    data = {k: form.get(k, "") for k in ("title", "body", "category", "valid_from", "valid_until")}
    data["body"] = data["body"] or f"Phát lại bản ghi: {name}."
    if form.get("department"):
        data["department"] = form["department"]
    bulletin = bulletin_service.create_bulletin(session, actor, data)
    with open(path, "rb") as stream:
        bulletin_recording.attach_recording(session, settings, actor, bulletin, stream, f"{name}.mp3")
    return bulletin
