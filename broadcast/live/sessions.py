"""Live broadcasts, as the web sees them: start on stations, take the browser's audio chunk by chunk, stop.

The audio arrives as the browser's MediaRecorder makes it (WebM/Opus from Chromium, Ogg/Opus from Firefox)
in HTTP chunks of a few hundred milliseconds, appended to one file under ``<data>/live/``.  The playout
(``broadcast.playout.live``) reads that file as it grows, so the web and the scheduler may be two processes
on the station's machine.  Stopping writes ``<file>.end``; a session whose chunks stop coming for
``DROP_S`` ends by itself (a phone that lost its signal) — the player closes with the chime either way.
When it ends, the audio is kept as an MP3 recording that can be scheduled again as a bulletin's.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..audio.errors import AudioError
from ..audio.ffmpeg import convert, probe_duration_ms
from ..config import Settings
from ..domain.models import AsRun, LiveSession, PlayoutRun, Station, User
from ..domain.types import utcnow
from ..errors import BroadcastError, Conflict, NotFound, PermissionDenied, ValidationError
from ..roles import ADMIN, APPROVER, OPERATOR
from ..security import audit
from ..stations import station_by_code
from ..tenancy import ALL_WARDS

log = logging.getLogger("broadcast.live")

#: who may speak live: the station's operator and the leader (admins pass every role check)
LIVE_ROLES = (ADMIN, OPERATOR, APPROVER)
ACTIVE = ("ready", "starting", "on_air")
#: a session whose chunks stop coming this long has lost its browser
DROP_S = 4.0
#: a session created but never sent audio is forgotten after this long (it holds its stations meanwhile)
READY_TTL_S = 60.0
MAX_CHUNK_BYTES = 1 << 20
MAX_SESSION_BYTES = 300 << 20
#: the first bytes of what MediaRecorder makes: a WebM (Matroska EBML) or an Ogg stream
MAGIC = {b"\x1a\x45\xdf\xa3": "matroska", b"OggS": "ogg"}
END_SUFFIX = ".end"


def end_marker(media_path: str | Path) -> Path:
    return Path(str(media_path) + END_SUFFIX)


def _check_role(actor: User) -> None:
    if actor.role not in LIVE_ROLES:
        raise PermissionDenied("Chỉ cán bộ đài hoặc lãnh đạo được phát trực tiếp.", code="live_forbidden")


def _stations(session: Session, codes) -> list[Station]:
    if isinstance(codes, str):
        codes = codes.replace(";", ",").split(",")
    codes = [str(c).strip() for c in (codes or []) if str(c).strip()]
    if not codes:
        raise ValidationError("Chọn ít nhất một đài để phát trực tiếp.", field="stations")
    stations = []
    for code in dict.fromkeys(c.upper() for c in codes):
        station = station_by_code(session, code)
        if not station.enabled:
            raise ValidationError(f"Đài {station.code} đang tắt.", field="stations")
        if station.sink.strip() == "export":
            raise ValidationError(
                f"Đài {station.code} phát bằng USB (không nối mạng): không phát trực tiếp được tới đài này.",
                field="stations",
            )
        stations.append(station)
    return stations


def _clusters(stations: list[Station], codes) -> list[str] | None:
    """The chosen clusters (None: all), each one of the chosen stations'."""
    if isinstance(codes, str):
        codes = codes.replace(";", ",").split(",")
    wanted = sorted({str(c).strip().upper() for c in (codes or []) if str(c).strip()})
    if not wanted:
        return None
    known = {c.code for s in stations for c in s.clusters}
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise ValidationError(f"Cụm loa {', '.join(unknown)} không thuộc các đài đã chọn.", field="clusters")
    return wanted


def active_on(session: Session, station_ids: list[int], now: datetime) -> LiveSession | None:
    """A live session holding one of these stations: on air, starting, or created in the last minute."""
    # Every ward's sessions: a province user's session may hold this ward's station.
    query = select(LiveSession).where(LiveSession.status.in_(ACTIVE)).execution_options(**{ALL_WARDS: True})
    for live in session.scalars(query):
        stale = live.status == "ready" and live.created_at < now - timedelta(seconds=READY_TTL_S)
        if not stale and set(live.station_ids) & set(station_ids):
            return live
    return None


def start_live(
    session: Session, settings: Settings, actor: User, station_codes, *, clusters=None, ip: str | None = None
):
    """A new live session on the stations, or only on some of their clusters (heard where the stations' agents
    serve them); nothing airs until its first audio arrives."""
    _check_role(actor)
    stations = _stations(session, station_codes)
    chosen = _clusters(stations, clusters)
    now = utcnow()
    busy = active_on(session, [s.id for s in stations], now)
    if busy is not None:
        names = ", ".join(s.code for s in stations if s.id in busy.station_ids)
        raise Conflict(
            f"Đài {names} đang phát trực tiếp (do {busy.user.full_name or busy.user.username} bắt đầu); "
            "chờ buổi đó kết thúc.",
            code="live_busy",
        )
    wards = {s.ward_id for s in stations}
    live = LiveSession(
        user_id=actor.id,
        ward_id=actor.ward_id or (wards.pop() if len(wards) == 1 else None),
        station_ids=[s.id for s in stations],
        clusters=chosen,
        status="ready",
        media_path="",
    )
    session.add(live)
    session.flush()
    live.media_path = str(settings.subdir("live") / f"live-{live.id}.media")
    detail = {"stations": [s.code for s in stations], "clusters": chosen}
    audit(session, "live.start", user=actor, obj=live, detail=detail, ip=ip)
    return live


def get_own(session: Session, actor: User, live_id) -> LiveSession:
    """The actor's own live session (an admin may reach any); another's is "not found", revealing nothing."""
    try:
        live = session.get(LiveSession, int(live_id))
    except (TypeError, ValueError):
        live = None
    if live is None or (live.user_id != actor.id and actor.role != ADMIN):
        raise NotFound("Không có buổi phát trực tiếp này.", code="unknown_live")
    return live


def add_chunk(session: Session, actor: User, live_id, data: bytes) -> LiveSession:
    """Append one chunk of the browser's audio; the first must be a WebM or Ogg stream's start."""
    live = get_own(session, actor, live_id)
    if live.status not in ACTIVE:
        raise Conflict("Buổi phát trực tiếp đã kết thúc.", code="live_ended")
    if not data:
        raise ValidationError("Không có dữ liệu âm thanh.", field="audio")
    if len(data) > MAX_CHUNK_BYTES or live.bytes_received + len(data) > MAX_SESSION_BYTES:
        raise ValidationError("Đoạn âm thanh quá lớn.", field="audio")
    if live.chunks == 0:
        kind = next((fmt for magic, fmt in MAGIC.items() if data.startswith(magic)), None)
        if kind is None:
            live.status, live.ended_at, live.end_reason = "refused", utcnow(), "Dữ liệu gửi lên không phải âm thanh."
            raise ValidationError(
                "Dữ liệu gửi lên không phải âm thanh WebM hoặc Ogg từ micrô: không phát gì.",
                code="not_audio",
                field="audio",
            )
        live.mime = kind
    with open(live.media_path, "ab") as out:
        out.write(data)
    now = utcnow()
    live.bytes_received += len(data)
    live.chunks += 1
    live.last_chunk_at = now
    if live.status == "ready":
        live.status, live.started_at = "starting", now
    return live


def refuse(session: Session, actor: User, live_id, reason: str) -> None:
    """After a refused first upload (rolled back): the session ends, so it holds no station."""
    live = get_own(session, actor, live_id)
    if live.status in ACTIVE:
        live.status, live.ended_at, live.end_reason = "refused", utcnow(), reason[:300]


def status_of(session: Session, live: LiveSession) -> dict:
    """What the speaker's page shows: the state, and whether the voice is on air now (not the chime)."""
    airing = session.scalar(
        select(func.count())
        .select_from(AsRun)
        .join(PlayoutRun, PlayoutRun.id == AsRun.run_id)
        .where(
            PlayoutRun.claim_key.like(f"live:{live.id}:%"),
            AsRun.status == "airing",
            AsRun.title.like("Phát trực tiếp:%"),
        )
    )
    return {
        "id": live.id,
        "status": live.status,
        "on_air": bool(airing),
        "end_reason": live.end_reason,
        "seconds": int((live.last_chunk_at - live.started_at).total_seconds()) if live.started_at else 0,
        "recording": bool(live.recording_path),
    }


def recent(session: Session, actor: User, limit: int = 20) -> list[LiveSession]:
    """The actor's last live sessions (every speaker's for an admin), newest first."""
    query = select(LiveSession).order_by(LiveSession.id.desc()).limit(limit)
    if actor.role != ADMIN:
        query = query.where(LiveSession.user_id == actor.id)
    return list(session.scalars(query))


def live_stations(session: Session) -> list[Station]:
    """The stations a live broadcast can go to: enabled ones aired by the server or by their agents."""
    rows = session.scalars(
        select(Station).where(Station.enabled.is_(True)).options(selectinload(Station.clusters)).order_by(Station.code)
    )
    return [s for s in rows if s.sink.strip() != "export"]


def stop_live(session: Session, settings: Settings, actor: User, live_id, *, ip: str | None = None) -> LiveSession:
    """End the session (the player closes with the chime) and keep its recording."""
    live = get_own(session, actor, live_id)
    if live.status in ACTIVE:
        end(session, settings, live, "Người nói kết thúc.")
        audit(session, "live.stop", user=actor, obj=live, ip=ip)
    return live


def end(session: Session, settings: Settings, live: LiveSession, reason: str) -> None:
    """Mark the session ended, tell the player (the end marker), and keep the recording."""
    live.status, live.ended_at, live.end_reason = "ended", utcnow(), reason[:300]
    if live.media_path and Path(live.media_path).exists():
        end_marker(live.media_path).touch()
        keep_recording(settings, live)


def keep_recording(settings: Settings, live: LiveSession) -> None:
    """The received audio as an MP3 (a bulletin's recording when it is scheduled again)."""
    if not live.chunks:
        return
    dest = settings.subdir("live") / f"live-{live.id}.mp3"
    try:
        convert(
            live.media_path,
            dest,
            "lưu bản ghi phát trực tiếp",
            input_args=["-f", live.mime or "matroska"],
            args=["-vn", "-ac", "1", "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "64k"],
            timeout=300,
        )
    except (AudioError, BroadcastError) as exc:
        log.error("live %s: recording not kept: %s", live.id, exc)
        return
    live.recording_path, live.recording_ms = str(dest), probe_duration_ms(dest)


def end_dropped(session: Session, settings: Settings, now: datetime) -> list[int]:
    """Sessions whose browser stopped sending (connection lost) or never sent anything: ended."""
    ended = []
    # Every ward's sessions: a province user's session may hold this ward's station.
    query = select(LiveSession).where(LiveSession.status.in_(ACTIVE)).execution_options(**{ALL_WARDS: True})
    for live in session.scalars(query):
        last = live.last_chunk_at or live.created_at
        limit = READY_TTL_S if live.status == "ready" else DROP_S
        if last < now - timedelta(seconds=limit):
            why = "Mất kết nối với máy của người nói." if live.chunks else "Không nhận được âm thanh."
            end(session, settings, live, why)
            ended.append(live.id)
    return ended


def for_device(session: Session, live_id, station_id: int) -> LiveSession:
    """A live session sent to this device's station (another's is "not found")."""
    try:
        live = session.get(LiveSession, int(live_id))
    except (TypeError, ValueError):
        live = None
    if live is None or station_id not in (live.station_ids or []) or not live.media_path:
        raise NotFound("Không có buổi phát trực tiếp này cho đài của thiết bị.", code="unknown_live")
    return live


def follow(media_path: str, *, drop_s: float = DROP_S, poll_s: float = 0.05, block: int = 4096):
    """The session's audio as it arrives (for an agent pulling it): what is in the file, then what is appended,
    until the speaker's end marker (and everything before it) or ``drop_s`` without anything new."""
    path, marker = Path(media_path), end_marker(media_path)
    waited = 0.0
    with open(path, "rb") as src:
        while True:
            data = src.read(block)
            if data:
                waited = 0.0
                yield data
                continue
            if marker.exists() or waited >= drop_s:
                return
            time.sleep(poll_s)
            waited += poll_s
