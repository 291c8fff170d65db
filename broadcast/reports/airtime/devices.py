"""The report's device section: per station agent, what it aired and how long it was offline in the period.

Present only when the scope's stations have devices (a station the server airs itself has none, and its
report neither shows the section nor runs its queries).  Airings, airtime and sessions come from the rows
the device delivered (``AsRun.device_id``), counted by the report's usual rules; offline time from its
connect/disconnect events (``offline``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from ...domain.models import Device, DeviceEvent, Station
from ...network.devices import HEARTBEAT_TIMEOUT
from . import offline, queries
from .figures import minutes, seconds
from .scope import Scope

STATE_KINDS = ("connect", "disconnect")


def period_bounds(scope: Scope, tz) -> tuple[datetime, datetime]:
    """The period's local dates as instants: from the first day's midnight to the midnight after the last."""
    start = datetime.combine(scope.period.start, time(), tzinfo=tz)
    return start, datetime.combine(scope.period.end + timedelta(days=1), time(), tzinfo=tz)


def scope_devices(session: Session, scope: Scope, start: datetime, end: datetime) -> list[Device]:
    """The devices of the scope's stations that existed during [start, end) (with a cluster filter: those that
    serve the cluster), by station and code."""
    query = (
        select(Device)
        .join(Device.station)
        .options(contains_eager(Device.station))  # the rows name the station: no query per device
        .where(Device.created_at < end)
        .where((Device.revoked_at.is_(None)) | (Device.revoked_at > start))
        .order_by(Station.code, Device.code)
    )
    if scope.station_ids is not None:
        query = query.where(Device.station_id.in_(scope.station_ids))
    if scope.cluster is not None:
        query = query.where(Device.id.in_(scope.cluster.device_ids))
    return list(session.scalars(query))


def state_changes(
    session: Session, ids: list[int], start: datetime, end: datetime
) -> tuple[dict[int, bool], dict[int, list[tuple[datetime, bool]]]]:
    """Per device: whether its last connect/disconnect before ``start`` was a connect, and its changes in
    [start, end) in time order (both over ``ix_device_events_device_at``)."""
    last = (
        select(DeviceEvent.kind)
        .where(DeviceEvent.device_id == Device.id, DeviceEvent.kind.in_(STATE_KINDS), DeviceEvent.at < start)
        .order_by(DeviceEvent.at.desc(), DeviceEvent.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    last_kinds = session.execute(select(Device.id, last).where(Device.id.in_(ids)))
    before = {d_id: kind == "connect" for d_id, kind in last_kinds}
    changes: dict[int, list[tuple[datetime, bool]]] = {d_id: [] for d_id in ids}
    rows = session.execute(
        select(DeviceEvent.device_id, DeviceEvent.at, DeviceEvent.kind)
        .where(
            DeviceEvent.device_id.in_(ids),
            DeviceEvent.kind.in_(STATE_KINDS),
            DeviceEvent.at >= start,
            DeviceEvent.at < end,
        )
        .order_by(DeviceEvent.device_id, DeviceEvent.at, DeviceEvent.id)
    )
    for d_id, at, kind in rows:
        changes[d_id].append((at, kind == "connect"))
    return before, changes


def offline_s(device: Device, before: bool, changes: list, start: datetime, end: datetime, now: datetime) -> int:
    """One device's offline seconds in the period (``offline`` has the rules)."""
    span = offline.window(start, end, now=now, created_at=device.created_at, revoked_at=device.revoked_at)
    if span is None:
        return 0
    changes = offline.with_silence(
        changes, online_before=before, last_seen=device.last_seen, timeout=HEARTBEAT_TIMEOUT, now=now
    )
    return offline.offline_seconds(changes, *span, online_before=before)


def device_row(device: Device, figures: Mapping | None, offline_secs: int) -> dict:
    n, ms, sessions, missed, skipped = figures or (0, 0, 0, 0, 0)
    duration = seconds(ms)
    return {
        "code": device.code,
        "station": device.station.code,
        "clusters": list(device.clusters or []),
        "airings": int(n or 0),
        "duration_s": duration,
        "minutes": minutes(duration),
        "sessions_aired": int(sessions or 0),
        "missed": int(missed or 0),
        "skipped": int(skipped or 0),
        "offline_s": offline_secs,
        "offline_minutes": minutes(offline_secs),
        "revoked": device.revoked_at is not None,
    }


def device_section(session: Session, scope: Scope, tz, now: datetime) -> list[dict] | None:
    """One row per device of the scope (None when the scope's stations have no device)."""
    start, end = period_bounds(scope, tz)
    devices = scope_devices(session, scope, start, end)
    if not devices:
        return None
    figures = {row[0]: row[1:] for row in queries.device_figures(session, scope)}
    before, changes = state_changes(session, [d.id for d in devices], start, end)
    return [
        device_row(d, figures.get(d.id), offline_s(d, before.get(d.id, False), changes[d.id], start, end, now))
        for d in devices
    ]
