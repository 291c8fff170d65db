"""Device health for the operator: each device's state (online or offline, since when) and the alerts that
need someone's attention (docs/network.md):

- ``offline``: a device not heard from for longer than ``HEARTBEAT_TIMEOUT`` (its last will came, or its
  heartbeats stopped), since the later of its last heartbeat and its last disconnect;
- ``session_not_aired``: a session of an ``agent`` station, from yesterday or today, whose planned end plus
  ``SESSION_ALERT_GRACE`` has passed, for which a device of the station (added before the session began)
  delivered no as-run row, or only ``missed``/``failed`` ones;
- ``outbox_old``: a device whose undelivered as-run rows (its last heartbeat) include one older than
  ``OUTBOX_ALERT_AFTER``.

Revoked devices raise nothing. ``now`` is always a parameter, so the alerts of any moment can be computed
(and tested) without waiting. A fixed handful of queries, whatever the number of devices and sessions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..config import read_timezone, session_settings
from ..domain.models import AsRun, Device, DeviceEvent, Programme, ProgrammeItem, SessionTemplate
from ..domain.types import utcnow
from .devices import is_online, list_devices

# Thresholds of the alerts. They belong in broadcast/config.py (BROADCAST_* settings) once the
# operators want to tune them; until then one place here.
OUTBOX_ALERT_AFTER = timedelta(hours=1)
# After a session's planned end (start + max duration), how long its rows may take to arrive: the agent
# sends each row within seconds when the link is up; a link that is down raises its own alert.
SESSION_ALERT_GRACE = timedelta(minutes=10)

ALERT_KINDS = ("offline", "session_not_aired", "outbox_old")
# Rows that say the device did not air the item at all; any other row (aired, interrupted, airing, or
# skipped because the item targets other clusters) shows the device was there and airing.
NOT_AIRED_STATUSES = ("missed", "failed")


@dataclass(frozen=True)
class Alert:
    device: str
    station: str
    kind: str
    message: str
    since: datetime | None


@dataclass
class DeviceHealth:
    device: Device
    online: bool
    since: datetime | None  # online since the last connect, or offline since (see ``offline_since``)
    alerts: list[Alert] = field(default_factory=list)


def _tz(session: Session, tz: ZoneInfo | None) -> ZoneInfo:
    if tz is not None:
        return tz
    settings = session_settings(session)
    return settings.tz if settings is not None else read_timezone()


def _when(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%H:%M %d/%m/%Y")


def _last_events(session: Session, ids: list[int]) -> dict[tuple[int, str], datetime]:
    """(device id, "connect"/"disconnect") -> the time of the last such event, in one query."""
    if not ids:
        return {}
    rows = session.execute(
        select(DeviceEvent.device_id, DeviceEvent.kind, func.max(DeviceEvent.at))
        .where(DeviceEvent.device_id.in_(ids), DeviceEvent.kind.in_(("connect", "disconnect")))
        .group_by(DeviceEvent.device_id, DeviceEvent.kind)
    ).all()
    return {(device_id, kind): at for device_id, kind, at in rows}


def offline_since(device: Device, last_disconnect: datetime | None) -> datetime | None:
    """The later of the last heartbeat and the last disconnect: a device that came back over HTTP after a
    disconnect and then fell silent has been away since its last heartbeat, not since the old disconnect."""
    times = [t for t in (device.last_seen, last_disconnect) if t is not None]
    return max(times) if times else None


def _offline_alert(device: Device, since: datetime | None, tz: ZoneInfo) -> Alert:
    name = f"Thiết bị {device.code} (đài {device.station.code})"
    if since is None:
        return Alert(device.code, device.station.code, "offline", f"{name} chưa từng kết nối.", device.created_at)
    if device.online:  # no last will came: the heartbeats simply stopped
        message = f"{name} không gửi nhịp tim từ {_when(since, tz)}: coi như mất kết nối."
    else:
        message = f"{name} mất kết nối từ {_when(since, tz)}."
    return Alert(device.code, device.station.code, "offline", message, since)


def _outbox_alert(device: Device, now: datetime, tz: ZoneInfo) -> Alert | None:
    oldest = device.outbox_oldest
    if not device.outbox_pending or oldest is None or now - oldest <= OUTBOX_ALERT_AFTER:
        return None
    count = f"{device.outbox_pending:,}".replace(",", ".")
    message = (
        f"Thiết bị {device.code} (đài {device.station.code}) còn {count} dòng nhật ký phát chưa gửi về máy chủ, "
        f"dòng cũ nhất từ {_when(oldest, tz)}."
    )
    return Alert(device.code, device.station.code, "outbox_old", message, oldest)


def _ended_sessions(session: Session, station_ids: list[int], days: tuple[date, date], now: datetime) -> list:
    """Programmes (with at least one item) of these stations on these days whose end + grace has passed,
    each with its session's name."""
    has_items = select(ProgrammeItem.id).where(ProgrammeItem.programme_id == Programme.id).exists()
    rows = session.execute(
        select(Programme, SessionTemplate.name)
        .outerjoin(
            SessionTemplate,
            (SessionTemplate.station_id == Programme.station_id) & (SessionTemplate.code == Programme.session_code),
        )
        .where(Programme.station_id.in_(station_ids), Programme.on_date.in_(days), has_items)
        .order_by(Programme.starts_at)
    ).all()
    # The end is computed here, not in SQL: date arithmetic differs between SQLite and PostgreSQL, and a
    # station has a few sessions a day.
    return [
        (p, name) for p, name in rows if p.starts_at + timedelta(seconds=p.max_duration_s) + SESSION_ALERT_GRACE <= now
    ]


def _aired_counts(session: Session, ids: list[int], days: tuple[date, date]) -> dict[tuple, tuple[int, int]]:
    """(device id, air date, session code) -> (rows, rows that are not missed/failed), in one query."""
    played = func.sum(case((AsRun.status.in_(NOT_AIRED_STATUSES), 0), else_=1))
    rows = session.execute(
        select(AsRun.device_id, AsRun.air_date, AsRun.session_code, func.count(AsRun.id), played)
        .where(AsRun.device_id.in_(ids), AsRun.air_date.in_(days))
        .group_by(AsRun.device_id, AsRun.air_date, AsRun.session_code)
    ).all()
    return {(d, day, code): (int(n), int(p or 0)) for d, day, code, n, p in rows}


def _session_label(name: str | None, code: str) -> str:
    """ "buổi sáng (sang)" from the session's name "Buổi sáng", "buổi Sáng (sang)" from "Sáng"."""
    if not name:
        return f"buổi {code}"
    if name.lower().startswith("buổi "):
        return f"buổi {name[5:]} ({code})"
    return f"buổi {name} ({code})"


def _session_alerts(session: Session, devices: list[Device], now: datetime, tz: ZoneInfo) -> list[Alert]:
    serving = [
        d for d in devices if d.revoked_at is None and d.station.enabled and (d.station.sink or "").strip() == "agent"
    ]
    if not serving:
        return []
    today = now.astimezone(tz).date()
    days = (today - timedelta(days=1), today)
    by_station = defaultdict(list)
    for d in serving:
        by_station[d.station_id].append(d)
    ended = _ended_sessions(session, list(by_station), days, now)
    counts = _aired_counts(session, [d.id for d in serving], days) if ended else {}
    alerts = []
    for programme, name in ended:
        label = _session_label(name, programme.session_code)
        for d in by_station[programme.station_id]:
            if d.created_at is not None and d.created_at > programme.starts_at:
                continue  # the device did not exist yet
            rows, played = counts.get((d.id, programme.on_date, programme.session_code), (0, 0))
            if played:
                continue
            why = "không có dòng nhật ký phát nào" if not rows else "mọi mục đều lỡ giờ hoặc lỗi"
            message = (
                f"Thiết bị {d.code} không phát {label} ngày {programme.on_date.strftime('%d/%m/%Y')} "
                f"(đài {d.station.code}): {why}."
            )
            alerts.append(Alert(d.code, d.station.code, "session_not_aired", message, programme.starts_at))
    return alerts


def device_health(
    session: Session, now: datetime | None = None, *, station_code: str | None = None, tz: ZoneInfo | None = None
) -> list[DeviceHealth]:
    """Every device (of one station, or all) with its state and its alerts at ``now``."""
    now, tz = now or utcnow(), _tz(session, tz)
    devices = list_devices(session, station_code)
    last = _last_events(session, [d.id for d in devices])
    health = []
    for d in devices:
        online = is_online(d, now)
        since = last.get((d.id, "connect")) if online else offline_since(d, last.get((d.id, "disconnect")))
        entry = DeviceHealth(d, online, since)
        if d.revoked_at is None:
            if not online:
                entry.alerts.append(_offline_alert(d, since, tz))
            outbox = _outbox_alert(d, now, tz)
            if outbox is not None:
                entry.alerts.append(outbox)
        health.append(entry)
    by_code = {h.device.code: h for h in health}
    for alert in _session_alerts(session, devices, now, tz):
        by_code[alert.device].alerts.append(alert)
    for entry in health:
        entry.alerts.sort(key=_alert_order)
    return health


def alerts(
    session: Session, now: datetime | None = None, *, station_code: str | None = None, tz: ZoneInfo | None = None
) -> list[Alert]:
    """The alerts of every device (of one station, or all) at ``now``: offline first, then sessions not
    aired, then old outboxes; within a kind by station and device."""
    return alerts_of(device_health(session, now, station_code=station_code, tz=tz))


def alerts_of(health: list[DeviceHealth]) -> list[Alert]:
    """The alerts of these devices in the order of ``alerts``."""
    return sorted((a for h in health for a in h.alerts), key=_alert_order)


def _alert_order(alert: Alert) -> tuple:
    return (ALERT_KINDS.index(alert.kind), alert.station, alert.device, alert.since.timestamp() if alert.since else 0)
