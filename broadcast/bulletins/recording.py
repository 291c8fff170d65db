"""Recorded readings uploaded instead of TTS (MP3/WAV/M4A/OGG/WebM).

The upload is sniffed with ffprobe (the extension and the browser's content
type are not trusted), capped in size, and stored under a generated name in
``<data_dir>/recordings/`` which no web server serves directly.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from ..audio import ffmpeg
from ..config import Settings
from ..domain.models import Bulletin, User
from ..errors import ConfigError, Conflict, NotFound, PermissionDenied, ValidationError
from . import permissions as perm
from .service import recording_changed

MAX_RECORDING_BYTES = 20 * 1024 * 1024
MAX_RECORDING_SECONDS = 30 * 60
CHUNK = 64 * 1024
FFPROBE_TIMEOUT_S = 20

# ffprobe format names -> the extension we store under.
FORMATS = {
    "mp3": "mp3",
    "wav": "wav",
    "ogg": "ogg",
    "mov,mp4,m4a,3gp,3g2,mj2": "m4a",
    "matroska,webm": "webm",
    "flac": "flac",
    "aac": "aac",
}
MIME = {
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "ogg": "audio/ogg",
    "m4a": "audio/mp4",
    "webm": "audio/webm",
    "flac": "audio/flac",
    "aac": "audio/aac",
}


class TooLarge(ValidationError):
    code = "too_large"
    http_status = 413


RECORDINGS = "recordings"


def recordings_dir(settings: Settings) -> Path:
    return settings.subdir(RECORDINGS)


def check_filename(filename: str | None) -> str:
    """The client's file name is only informative, but a path in it is refused outright."""
    name = (filename or "").strip()
    if not name:
        return "recording"
    if "/" in name or "\\" in name or "\x00" in name or name in (".", "..") or ".." in name:
        raise ValidationError("Tên tệp không được chứa đường dẫn (/, \\ hoặc ..).", code="bad_filename", field="file")
    if len(name) > 200:
        raise ValidationError("Tên tệp quá dài (tối đa 200 ký tự).", code="bad_filename", field="file")
    return name


def probe(path: Path) -> dict | None:
    """ffprobe's view of ``path``: {"format", "duration"} for an audio file, else None."""
    try:
        info = ffmpeg.probe(path, timeout=FFPROBE_TIMEOUT_S)
    except FileNotFoundError:
        raise ConfigError("Thiếu chương trình ffprobe: cài bằng `sudo apt-get install ffmpeg`.") from None
    if info is None:
        return None
    fmt = (info.get("format") or {}).get("format_name", "")
    streams = info.get("streams") or []
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    video = [
        s for s in streams if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
    ]
    if fmt not in FORMATS or not audio or video:
        return None
    try:
        duration = float((info.get("format") or {}).get("duration") or audio[0].get("duration") or 0)
    except (TypeError, ValueError):
        duration = 0.0
    return {"format": FORMATS[fmt], "duration": duration}


def _save_stream(stream: BinaryIO, target: Path, limit: int) -> int:
    size = 0
    with open(target, "wb") as out:
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"Tệp ghi âm vượt quá giới hạn {limit // (1024 * 1024)} MB.", field="file")
            out.write(chunk)
    return size


def attach_recording(
    session: Session,
    settings: Settings,
    actor: User,
    bulletin: Bulletin,
    stream: BinaryIO,
    filename: str | None,
    *,
    limit: int = MAX_RECORDING_BYTES,
) -> dict:
    """Check, store and attach a recorded reading; returns {"path", "format", "duration", "size"}."""
    if not perm.can_view(actor, bulletin):
        raise NotFound(f"Không có tin số {bulletin.id}.", code="bulletin_not_found")
    if not perm.can_edit_text(actor, bulletin):
        if actor.role in perm.STAFF_ROLES:
            raise Conflict("Tin ở trạng thái này không thay được bản ghi âm.", code="invalid_state")
        raise PermissionDenied("Bạn không được thay bản ghi âm của tin này.")
    original = check_filename(filename)
    folder = recordings_dir(settings)
    tmp = folder / f".upload-{secrets.token_hex(8)}.part"
    try:
        size = _save_stream(stream, tmp, limit)
        if size == 0:
            raise ValidationError("Tệp tải lên rỗng.", code="not_audio", field="file")
        info = probe(tmp)
        if info is None:
            raise ValidationError(
                "Tệp tải lên không phải âm thanh hợp lệ (MP3, WAV, M4A, OGG hoặc WebM).", code="not_audio", field="file"
            )
        if info["duration"] <= 0.2:
            raise ValidationError("Bản ghi âm không có tiếng hoặc quá ngắn.", code="not_audio", field="file")
        if info["duration"] > MAX_RECORDING_SECONDS:
            raise ValidationError(f"Bản ghi âm dài quá {MAX_RECORDING_SECONDS // 60} phút.", field="file")
        final = (
            folder / f"bulletin-{bulletin.id}-v{(bulletin.version or 1) + 1}-{secrets.token_hex(6)}.{info['format']}"
        )
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()
    try:
        # Stored relative to the data dir ("recordings/<name>"), as broadcast.speech.store resolves it.
        recording_changed(session, actor, bulletin, f"{RECORDINGS}/{final.name}")
    except BaseException:
        final.unlink(missing_ok=True)
        raise
    return {
        "path": f"{RECORDINGS}/{final.name}",
        "format": info["format"],
        "duration": round(info["duration"], 2),
        "size": size,
        "original_filename": original,
    }


def resolve_recording(settings: Settings, stored: str) -> Path:
    """Where a bulletin's stored recording path points: uploads are kept relative to the data folder (a moved
    or restored installation keeps them), older or test rows may hold an absolute path."""
    path = Path(stored)
    return path if path.is_absolute() else Path(settings.data_dir) / path


def recording_file(settings: Settings, bulletin: Bulletin) -> Path | None:
    """The stored recording of ``bulletin`` (only file names inside the recordings folder are honoured)."""
    stored = bulletin.recording_path or ""
    folder, _, name = stored.rpartition("/")
    if folder not in ("", RECORDINGS) or not name or "\\" in name or name.startswith("."):
        return None
    path = recordings_dir(settings) / name
    return path if path.is_file() else None


def recording_mime(path: Path) -> str:
    return MIME.get(path.suffix.lstrip("."), "application/octet-stream")
