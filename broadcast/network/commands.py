"""Commands for devices: queued on the server, sent over MQTT (QoS 1) and also offered to HTTP polling,
acknowledged by the device. Every command and every acknowledgement is audited."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from ..bulletins.recording import resolve_recording
from ..bulletins.targets import station_clusters
from ..config import session_settings
from ..dates import parse_day
from ..domain.labels import AIRABLE_STATUSES
from ..domain.models import (
    AudioRendition,
    Bulletin,
    Device,
    DeviceCommand,
    Station,
    User,
)
from ..domain.types import utcnow
from ..errors import Conflict, NotFound, ValidationError
from ..province.targets import target_station_ids
from ..security import audit, audit_many
from .clusters import device_hears
from .devices import check_session_code, get_device, iso, record_event
from .manifest import MEDIA_URL, file_sha256

ACTIONS = ("play", "stop", "skip", "volume", "resync", "emergency")


def bulletin_audio_path(session: Session, bulletin: Bulletin) -> Path | None:
    """The bulletin's own recording, else its newest current rendition; None when neither file exists.
    (The server never renders here: an emergency without audio is the playout side's job first.)"""
    settings = session_settings(session)
    if bulletin.recording_path and settings is not None:
        recording = resolve_recording(settings, bulletin.recording_path)
        if recording.exists():
            return recording
    rendition = session.scalar(
        select(AudioRendition)
        .where(
            AudioRendition.bulletin_id == bulletin.id,
            AudioRendition.stale.is_(False),
            or_(AudioRendition.bulletin_version.is_(None), AudioRendition.bulletin_version == bulletin.version),
        )
        .order_by(AudioRendition.id.desc())
        .limit(1)
    )
    return Path(rendition.path) if rendition is not None and Path(rendition.path).exists() else None


def _emergency_args(session: Session, bulletin_id) -> dict:
    bulletin = (
        session.get(Bulletin, bulletin_id)
        if isinstance(bulletin_id, int) and not isinstance(bulletin_id, bool)
        else None
    )
    if bulletin is None:
        raise NotFound("Lệnh phát khẩn cần một tin bài có thật (bulletin_id).", field="bulletin_id")
    path = bulletin_audio_path(session, bulletin)
    digest = file_sha256(path) if path is not None else None
    if digest is None:
        raise Conflict(f"Tin bài {bulletin.id} chưa có âm thanh để gửi tới thiết bị.", field="bulletin_id")
    # What the agent needs to fetch it on demand; the path itself never leaves the server.
    return {
        "bulletin_id": bulletin.id,
        "title": bulletin.title[:300],
        "sha256": digest,
        "media": MEDIA_URL.format(sha256=digest),
    }


def _check_args(action: str, args: dict) -> dict:
    if action == "volume":
        level = args.get("level")
        if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 100:
            raise ValidationError("Âm lượng phải là số nguyên từ 0 đến 100.", field="level")
        return {"level": level}
    return {}


def _play_args(session: Session, device: Device, args: dict) -> dict:
    """A session of the device's station and an optional day: refused here, not later by the agent."""
    if not isinstance(args.get("session"), str) or not args["session"].strip():
        raise ValidationError("Chọn buổi phát cần phát ngay.", field="session")
    day = parse_day(args.get("date") or None, "date")
    return {"session": check_session_code(session, device, args["session"]), "date": day.isoformat() if day else None}


def queue_command(
    session: Session,
    device_code: str,
    action: str,
    args: dict | None = None,
    *,
    user: User | None = None,
    ip: str | None = None,
) -> DeviceCommand:
    """A command for one device; an unknown or revoked device is refused and nothing is queued."""
    device = get_device(session, device_code)
    if device.revoked_at is not None:
        raise Conflict(f"Thiết bị {device.code} đã bị thu hồi mã, không nhận lệnh.")
    if action not in ACTIONS:
        raise ValidationError(f"Lệnh {action!r} không hợp lệ: chọn {', '.join(ACTIONS)}.", field="action")
    if action == "emergency":
        checked = _emergency_args(session, (args or {}).get("bulletin_id"))
    elif action == "play":
        checked = _play_args(session, device, args or {})
    else:
        checked = _check_args(action, args or {})
    return _queue(session, [device], action, checked, user=user, ip=ip)[0]


def _queue(
    session: Session, devices: list[Device], action: str, args: dict, *, user: User | None, ip: str | None = None
) -> list[DeviceCommand]:
    """One command (checked ``args``) per device and its audit row, each kind inserted in one statement:
    an emergency for a province's hundreds of units is one round trip, not hundreds."""
    created_by = user.id if user is not None else None
    rows = [
        {"device_id": d.id, "action": action, "args": dict(args), "status": "pending", "created_by_id": created_by}
        for d in devices
    ]
    commands = list(session.scalars(insert(DeviceCommand).returning(DeviceCommand, sort_by_parameter_order=True), rows))
    audit_many(
        session,
        f"device.command.{action}",
        [(cmd, {"device": d.code, "args": cmd.args}) for d, cmd in zip(devices, commands)],
        user=user,
        ip=ip,
    )
    return commands


def emergency_to_devices(session: Session, bulletin: Bulletin, *, user: User | None = None) -> list[DeviceCommand]:
    """An approved emergency bulletin for the devices of its ``agent`` stations that serve its clusters (all of a
    station's devices when it names none there): one ``emergency`` command each (the playout side airs the
    other stations). For the emergency flow to call on approval: the
    audio is found and hashed once and the commands written in one flush, as a province may have
    hundreds of units waiting for them."""
    # A ward's bulletin "for all stations" reaches its own ward's stations only; a province bulletin its targets.
    targets = target_station_ids(session, bulletin)
    stations = session.scalars(select(Station).where(Station.id.in_(targets), Station.enabled.is_(True))).all()
    agent_stations = [s.id for s in stations if (s.sink or "").strip() == "agent"]
    if not agent_stations:
        return []
    devices = [
        d
        for d in session.scalars(
            select(Device)
            .where(Device.station_id.in_(agent_stations), Device.revoked_at.is_(None))
            .order_by(Device.code)
        )
        if device_hears(
            d.clusters, station_clusters(bulletin, d.station_id)
        )  # an emergency for TDP05 only reaches only the devices serving TDP05
    ]
    if not devices:
        return []
    return _queue(session, devices, "emergency", _emergency_args(session, bulletin.id), user=user)


#: the chime a live broadcast opens and closes with, sent to agents as media like an emergency's audio
LIVE_CHIME = "chuong-bao.mp3"


def live_to_devices(session: Session, live, station_ids: list[int]) -> list[DeviceCommand]:
    """A live broadcast for the devices of these ``agent`` stations that serve its clusters (all of a station's
    devices when it chose none): one ``live`` command each; the agent pulls the audio as it arrives."""
    devices = [
        d
        for d in session.scalars(
            select(Device).where(Device.station_id.in_(station_ids), Device.revoked_at.is_(None)).order_by(Device.code)
        )
        if device_hears(d.clusters, live.clusters)
    ]
    if not devices:
        return []
    args = {
        "live_id": live.id,
        "container": live.mime or "matroska",
        "speaker": live.user.full_name or live.user.username,
        "audio": f"/api/v1/agent/live/{live.id}",
    }
    settings = session_settings(session)
    chime = Path(settings.assets_dir) / LIVE_CHIME if settings is not None else None
    digest = file_sha256(chime) if chime is not None and chime.exists() else None
    if digest:
        args.update(chime_sha256=digest, chime_media=MEDIA_URL.format(sha256=digest))
    return _queue(session, devices, "live", args, user=live.user)


def emergencies_waiting(session: Session, since) -> list[Bulletin]:
    """Emergency bulletins approved since ``since`` that go to ``agent`` stations and whose devices got no
    command yet: approved before their audio existed. The playout loop renders them and sends them."""
    bulletins = session.scalars(
        select(Bulletin).where(
            Bulletin.priority == "emergency",
            Bulletin.status.in_(AIRABLE_STATUSES),
            Bulletin.approved_at >= since,
        )
    ).all()
    if not bulletins:
        return []
    sent = {
        (cmd.args or {}).get("bulletin_id")
        for cmd in session.scalars(
            select(DeviceCommand).where(DeviceCommand.action == "emergency", DeviceCommand.created_at >= since)
        )
    }
    agent_ids = set(session.scalars(select(Station.id).where(Station.enabled.is_(True), Station.sink == "agent")))
    with_devices = set(session.scalars(select(Device.station_id).where(Device.revoked_at.is_(None))))
    waiting = []
    for b in bulletins:
        targets = set(target_station_ids(session, b)) & agent_ids
        if b.id not in sent and targets & with_devices:
            waiting.append(b)
    return waiting


def emergency_media(session: Session, device: Device, sha256: str) -> Path | None:
    """The audio of an emergency sent to this device in the last day, or the chime of a live broadcast sent
    to it, if it has this digest."""
    since = utcnow() - timedelta(days=1)
    for cmd in session.scalars(
        select(DeviceCommand).where(
            DeviceCommand.device_id == device.id, DeviceCommand.action == "emergency", DeviceCommand.created_at >= since
        )
    ):
        bulletin = session.get(Bulletin, (cmd.args or {}).get("bulletin_id"))
        path = bulletin_audio_path(session, bulletin) if bulletin is not None else None
        if path is not None and file_sha256(path) == sha256:
            return path
    settings = session_settings(session)
    live_chime = session.scalar(
        select(DeviceCommand.id).where(
            DeviceCommand.device_id == device.id, DeviceCommand.action == "live", DeviceCommand.created_at >= since
        )
    )
    if live_chime is not None and settings is not None:  # the chime of a live broadcast sent to this device
        chime = Path(settings.assets_dir) / LIVE_CHIME
        if chime.exists() and file_sha256(chime) == sha256:
            return chime
    return None


def command_json(cmd: DeviceCommand) -> dict:
    return {"id": cmd.id, "action": cmd.action, "args": cmd.args or {}, "created_at": iso(cmd.created_at)}


def pending(session: Session, device: Device) -> list[DeviceCommand]:
    return list(
        session.scalars(
            select(DeviceCommand)
            .where(DeviceCommand.device_id == device.id, DeviceCommand.status == "pending")
            .order_by(DeviceCommand.id)
        )
    )


def acknowledge(session: Session, device: Device, command_id, ok: bool, result: str | None = None) -> DeviceCommand:
    """The device's answer; a command of another device is not found (it learns nothing about it)."""
    cmd = session.get(DeviceCommand, command_id) if isinstance(command_id, int) else None
    if cmd is None or cmd.device_id != device.id:
        raise NotFound("Không có lệnh này cho thiết bị.")
    if cmd.status != "pending":
        return cmd  # a repeated ack (QoS 1 may deliver twice) changes nothing
    cmd.status = "done" if ok else "failed"
    cmd.acked_at = utcnow()
    cmd.result = str(result)[:500] if result else None
    record_event(
        session, device, "command", {"id": cmd.id, "action": cmd.action, "status": cmd.status, "result": cmd.result}
    )
    audit(
        session,
        "device.command_ack",
        obj=cmd,
        detail={"device": device.code, "status": cmd.status, "result": cmd.result},
    )
    return cmd
