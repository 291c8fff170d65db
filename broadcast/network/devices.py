"""Devices: station agents as first-class records, their tokens, health and history.

A device token is shown once at creation; only its SHA-256 is kept (the same digest as API tokens),
so a leaked database leaks no token. A device token authenticates a device, never a user.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, contains_eager

from ..domain.models import Cluster, Device, DeviceCommand, DeviceEvent, SessionTemplate, Station, User
from ..domain.types import utcnow
from ..errors import Conflict, NotFound, ValidationError
from ..security import _token_digest, audit

DEVICE_TOKEN_PREFIX = "lpd_"
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,39}$")
INT32_MAX = 2**31 - 1
HEARTBEAT_TIMEOUT = timedelta(seconds=90)  # three missed 30-second heartbeats
EVENT_KINDS = ("connect", "disconnect", "reboot", "command", "refused")


def is_device_token(token: str) -> bool:
    return token.startswith(DEVICE_TOKEN_PREFIX)


def _station(session: Session, code: str) -> Station:
    station = session.scalar(select(Station).where(Station.code == (code or "").strip().upper()))
    if station is None:
        raise NotFound(f"Không có đài mã {code!r}.", field="station")
    return station


def parse_clusters(session: Session, station: Station, value) -> list[str]:
    """``"TDP01,TDP02"`` or a list -> the station's cluster codes, each checked; empty = whole station."""
    if value is None or value == "":
        return []
    codes = value.split(",") if isinstance(value, str) else list(value)
    codes = [str(c).strip().upper() for c in codes if str(c).strip()]
    known = set(session.scalars(select(Cluster.code).where(Cluster.station_id == station.id)))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError(f"Đài {station.code} không có cụm loa {', '.join(unknown)}.", field="clusters")
    return sorted(set(codes))


def get_device(session: Session, code: str) -> Device:
    device = session.scalar(select(Device).where(Device.code == (code or "").strip().upper()))
    if device is None:
        raise NotFound(f"Không có thiết bị mã {code!r}.", field="device")
    return device


def add_device(
    session: Session, code: str, station_code: str, clusters=None, *, user: User | None = None
) -> tuple[Device, str]:
    """A new device of ``station_code``; returns it and its token (shown once)."""
    code = (code or "").strip().upper()
    if not CODE_RE.match(code):
        raise ValidationError(
            "Mã thiết bị chỉ gồm chữ in hoa không dấu, số, gạch dưới hoặc gạch ngang (1–40 ký tự).", field="code"
        )
    station = _station(session, station_code)
    if session.scalar(select(Device.id).where(Device.code == code)) is not None:
        raise Conflict(f"Mã thiết bị {code} đã có.", field="code")
    token = DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)
    device = Device(
        code=code,
        station=station,
        clusters=parse_clusters(session, station, clusters),
        token_prefix=token[:10],
        token_hash=_token_digest(token),
        online=False,
    )
    session.add(device)
    session.flush()
    audit(
        session,
        "device.create",
        user=user,
        obj=device,
        detail={"code": code, "station": station.code, "clusters": device.clusters},
    )
    return device, token


def revoke_device(session: Session, code: str, *, user: User | None = None) -> Device:
    device = get_device(session, code)
    if device.revoked_at is not None:
        raise Conflict(f"Thiết bị {device.code} đã bị thu hồi mã từ trước.")
    device.revoked_at = utcnow()
    device.online = False
    audit(session, "device.revoke", user=user, obj=device, detail={"code": device.code})
    return device


def authenticate_token(session: Session, token: str) -> Device | None:
    """The device a token belongs to, or None (wrong or revoked)."""
    if not token or not is_device_token(token):
        return None
    device = session.scalar(select(Device).where(Device.token_hash == _token_digest(token)))
    if device is None or device.revoked_at is not None:
        return None
    return device


def record_event(
    session: Session, device: Device, kind: str, detail: dict | None = None, at: datetime | None = None
) -> DeviceEvent:
    assert kind in EVENT_KINDS, kind
    event = DeviceEvent(device_id=device.id, kind=kind, at=at or utcnow(), detail=detail)
    session.add(event)
    return event


def set_online(session: Session, device: Device, online: bool, detail: dict | None = None) -> bool:
    """Record a connect/disconnect when the state changes; True if it did. A connect whose ``booted_at``
    (the machine's boot time, sent by the agent) differs from the last connect's also records a reboot."""
    device.last_seen = utcnow() if online else device.last_seen
    if device.online == online:
        return False
    device.online = online
    if online and (detail or {}).get("booted_at"):
        last = session.scalar(
            select(DeviceEvent)
            .where(DeviceEvent.device_id == device.id, DeviceEvent.kind == "connect")
            .order_by(DeviceEvent.at.desc(), DeviceEvent.id.desc())
            .limit(1)
        )
        before = (last.detail or {}).get("booted_at") if last is not None else None
        if before and before != detail["booted_at"]:
            record_event(session, device, "reboot", {"booted_at": detail["booted_at"], "before": before})
    record_event(session, device, "connect" if online else "disconnect", detail)
    return True


def _int(value, lo=None, hi=None):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = int(value)
    return value if (lo is None or value >= lo) and (hi is None or value <= hi) else None


def _time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def apply_status(session: Session, device: Device, status: dict, *, received_at: datetime | None = None) -> None:
    """A heartbeat (MQTT or HTTP): keep the fields that are well formed, ignore the rest."""
    now = received_at or utcnow()
    set_online(session, device, True, {"via": status.get("via", "heartbeat")})
    device.last_seen = now
    playing = status.get("now_playing")
    device.now_playing = str(playing)[:300] if playing else None
    if isinstance(status.get("version"), str):
        device.version = status["version"][:40]
    device.disk_free = _int(status.get("disk_free"), 0, 2**62)
    temp = status.get("temperature")
    device.temperature = float(temp) if isinstance(temp, (int, float)) and not isinstance(temp, bool) else None
    device.volume = _int(status.get("volume"), 0, 100)
    device.last_sync = _time(status.get("last_sync")) or device.last_sync
    clock = _time(status.get("clock"))
    offset = clock - now if clock is not None else None
    if offset is not None:
        # Clamped to the column's range: a device whose clock is months off still reports "very far off".
        device.clock_offset_ms = max(-INT32_MAX, min(INT32_MAX, int(offset.total_seconds() * 1000)))
    _apply_outbox(device, status, offset)


def _apply_outbox(device: Device, status: dict, offset: timedelta | None) -> None:
    """The agent's undelivered rows (``outbox``) and the oldest one's time (``outbox_oldest``, the agent's
    clock): moved onto the server's clock when this heartbeat carried the device's clock, so an agent whose
    clock is off does not make its outbox look older or younger than it is. Malformed values are dropped."""
    device.outbox_pending = _int(status.get("outbox"), 0, INT32_MAX)
    oldest = _time(status.get("outbox_oldest")) if device.outbox_pending else None
    device.outbox_oldest = oldest - offset if oldest is not None and offset is not None else oldest


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def is_online(device: Device, now: datetime | None = None) -> bool:
    """Online and heard from lately: a device whose last will never came (the broker itself went down)
    stops counting as online after HEARTBEAT_TIMEOUT without a heartbeat or request."""
    if not device.online or device.revoked_at is not None or device.last_seen is None:
        return False
    return (now or utcnow()) - device.last_seen <= HEARTBEAT_TIMEOUT


def device_json(device: Device) -> dict:
    return {
        "code": device.code,
        "station": device.station.code,
        "ward": device.station.ward.code,
        "clusters": list(device.clusters or []),
        "online": is_online(device),
        "last_seen": iso(device.last_seen),
        "now_playing": device.now_playing,
        "version": device.version,
        "last_sync": iso(device.last_sync),
        "disk_free": device.disk_free,
        "temperature": device.temperature,
        "volume": device.volume,
        "clock_offset_ms": device.clock_offset_ms,
        "outbox_pending": device.outbox_pending,
        "outbox_oldest": iso(device.outbox_oldest),
        "revoked": device.revoked_at is not None,
    }


def list_devices(session: Session, station_code: str | None = None) -> list[Device]:
    # The station comes in the same statement: a list of many devices is one query, not one per device.
    # ... and the station's ward: a province user's list mixes wards and names each device's.
    query = (
        select(Device)
        .join(Device.station)
        .join(Station.ward)
        .options(contains_eager(Device.station).contains_eager(Station.ward))
        .order_by(Station.code, Device.code)
    )
    if station_code:
        query = query.where(Station.code == station_code.strip().upper())
    return list(session.scalars(query))


def event_statements(device: Device) -> tuple[Select, Select]:
    """The device's events newest first, and their count (for a page of them)."""
    where = DeviceEvent.device_id == device.id
    return (
        select(DeviceEvent).where(where).order_by(DeviceEvent.at.desc(), DeviceEvent.id.desc()),
        select(func.count(DeviceEvent.id)).where(where),
    )


def events(session: Session, device: Device, limit: int = 200) -> list[DeviceEvent]:
    return list(session.scalars(event_statements(device)[0].limit(limit)))


def event_json(event: DeviceEvent) -> dict:
    return {"kind": event.kind, "at": iso(event.at), "detail": event.detail}


def session_choices(session: Session, device: Device) -> list[tuple[str, str]]:
    """(code, name) of the sessions of the device's station, in airing order."""
    return [
        (code, name)
        for code, name in session.execute(
            select(SessionTemplate.code, SessionTemplate.name)
            .where(SessionTemplate.station_id == device.station_id)
            .order_by(SessionTemplate.start_time, SessionTemplate.code)
        )
    ]


def check_session_code(session: Session, device: Device, code) -> str:
    """A session code of the device's station, for a ``play`` command from a form: the agent would only
    answer "no such programme" later, so a wrong code is refused before anything is queued."""
    code = str(code or "").strip()
    if code not in {c for c, _name in session_choices(session, device)}:
        raise ValidationError(f"Đài {device.station.code} không có buổi phát {code!r}.", field="session")
    return code


def recent_commands(session: Session, device: Device, limit: int = 10) -> list[DeviceCommand]:
    """The device's last commands, newest first, with their acknowledgement."""
    return list(
        session.scalars(
            select(DeviceCommand)
            .where(DeviceCommand.device_id == device.id)
            .order_by(DeviceCommand.id.desc())
            .limit(limit)
        )
    )
