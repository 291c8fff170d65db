"""As-run rows delivered by devices: each stored once, whatever how often it arrives.

Each row carries the agent's stable ``uid``; ``as_run.uid`` is unique, so a redelivered row (a lost
answer, an outbox replayed after the server's database was restored from backup) is answered
``already_stored`` and not stored again, even when two deliveries race. A row that can never be stored
(a session the device's station does not have, a malformed field) is answered ``rejected`` with the
reason, so the agent stops retrying it; nothing else in the batch is affected.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ..domain.models import AsRun, AsRunStatus, Bulletin, Cluster, Device, DeviceCommand, Programme
from ..errors import ValidationError
from .devices import record_event

log = logging.getLogger(__name__)
MAX_BATCH = 1000
MAX_UID = 64
DELIVERABLE = {s.value for s in AsRunStatus} - {AsRunStatus.airing.value}


class RowRefused(Exception):
    pass


def _when(row: dict, key: str, required: bool = False) -> datetime | None:
    value = row.get(key)
    if value in (None, "") and not required:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise RowRefused(f"{key} không phải thời điểm ISO 8601.") from None
    if parsed.tzinfo is None:
        raise RowRefused(f"{key} phải có múi giờ (ví dụ ...Z).")
    return parsed


def _ms(row: dict, key: str, required: bool = False) -> int | None:
    value = row.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RowRefused(f"{key} phải là số mili giây không âm.")
    return value


def _clusters(row: dict, item, known: set[str]) -> list[str] | None:
    """The clusters the agent aired the item for (it decided by them: an item whose programme changed since
    its last sync may differ from the server's); the server item's when the row names none (an older agent).
    Stored NULL for the whole station, as on the server's own rows."""
    if "clusters" not in row:
        return list(item.clusters) if item.clusters else None
    value = row["clusters"]
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise RowRefused("clusters phải là danh sách mã cụm loa.")
    unknown = sorted(set(value) - known)
    if unknown:
        raise RowRefused(f"Đài không có cụm loa {', '.join(c[:40] for c in unknown[:5])}.")
    return sorted(set(value)) or None


def _build(row: dict, device: Device, programmes: dict, known_clusters: set[str]) -> AsRun:
    try:
        day = date.fromisoformat(str(row.get("date", "")))
    except ValueError:
        raise RowRefused("date phải có dạng YYYY-MM-DD.") from None
    code = str(row.get("session") or "")
    programme = programmes.get((day, code))
    if programme is None:
        raise RowRefused(f"Đài {device.station.code} không có buổi {code or '?'} ngày {day:%d/%m/%Y}.")
    status = row.get("status")
    if status not in DELIVERABLE:
        raise RowRefused(f"status {status!r} không hợp lệ: chọn một trong {', '.join(sorted(DELIVERABLE))}.")
    position = row.get("position")
    item = next((i for i in programme.items if i.position == position), None)
    if item is None:
        raise RowRefused(f"Buổi {code} ngày {day:%d/%m/%Y} không có mục thứ {position!r}.")
    start = _when(row, "actual_start", required=True)
    scheduled = _when(row, "scheduled_start") or item.planned_start
    # Category, department and title come from the server's programme, as on the server's own rows.
    bulletin = item.bulletin
    return AsRun(
        station_id=device.station_id,
        programme_id=programme.id,
        programme_item_id=item.id,
        session_code=code,
        air_date=day,
        position=position,
        kind=item.kind,
        bulletin_id=item.bulletin_id,
        title=item.title,
        category_code=item.category_code,
        department_code=bulletin.department.code if bulletin is not None else None,
        scheduled_start=scheduled,
        actual_start=start,
        actual_end=_when(row, "actual_end"),
        planned_ms=_ms(row, "planned_ms") or item.duration_ms,
        aired_ms=_ms(row, "aired_ms", required=True),
        lateness_ms=int((start - scheduled).total_seconds() * 1000) if scheduled else None,
        status=status,
        source="agent",
        sink=f"agent:{device.code}",
        note=(str(row["note"])[:500] if row.get("note") else None),
        device_id=device.id,
        uid=row["uid"],
        clusters=_clusters(row, item, known_clusters),
        upstream=((item.relay or {}).get("upstream") or "")[:300] or None,
        fallback_ms=_ms(row, "fallback_ms"),
    )


def _day_and_status(row: dict) -> tuple[date, str]:
    try:
        day = date.fromisoformat(str(row.get("date", "")))
    except ValueError:
        raise RowRefused("date phải có dạng YYYY-MM-DD.") from None
    status = row.get("status")
    if status not in DELIVERABLE:
        raise RowRefused(f"status {status!r} không hợp lệ: chọn một trong {', '.join(sorted(DELIVERABLE))}.")
    return day, status


def _commanded(session: Session, device: Device, action: str, key: str, value) -> bool:
    """Whether an ``action`` command sent to this device named ``value`` as its ``key`` argument."""
    return isinstance(value, int) and any(
        (cmd.args or {}).get(key) == value
        for cmd in session.scalars(
            select(DeviceCommand).where(DeviceCommand.device_id == device.id, DeviceCommand.action == action)
        )
    )


def _commanded_row(row: dict, device: Device, **fields) -> AsRun:
    """A row the device aired on a command (an emergency, a live broadcast): its times and figures as
    delivered, ``fields`` (kind, title...) from what the server sent."""
    day, status = _day_and_status(row)
    return AsRun(
        station_id=device.station_id,
        air_date=day,
        position=row.get("position") if isinstance(row.get("position"), int) else 0,
        scheduled_start=_when(row, "scheduled_start"),
        actual_start=_when(row, "actual_start", required=True),
        actual_end=_when(row, "actual_end"),
        planned_ms=_ms(row, "planned_ms"),
        aired_ms=_ms(row, "aired_ms", required=True),
        status=status,
        source="agent",
        sink=f"agent:{device.code}",
        note=(str(row["note"])[:500] if row.get("note") else None),
        device_id=device.id,
        uid=row["uid"],
        **fields,
    )


def _build_emergency(session: Session, row: dict, device: Device) -> AsRun:
    """A row of an emergency the device aired on command: stored only for a bulletin an ``emergency``
    command sent to this device names (a device cannot log airings of other bulletins)."""
    bulletin_id = row.get("bulletin_id")
    sent = _commanded(session, device, "emergency", "bulletin_id", bulletin_id)
    bulletin = session.get(Bulletin, bulletin_id) if sent else None
    if bulletin is None:
        raise RowRefused(f"Thiết bị không nhận lệnh phát khẩn nào cho tin bài {bulletin_id!r}.")
    return _commanded_row(
        row,
        device,
        kind="emergency",
        bulletin_id=bulletin.id,
        title=bulletin.title[:300],
        category_code=bulletin.category.code if bulletin.category else None,
        department_code=bulletin.department.code if bulletin.department else None,
    )


def _build_live(session: Session, row: dict, device: Device) -> AsRun:
    """A row of a live broadcast the device aired on command: stored only for a live session a ``live``
    command sent to this device names (a device cannot log airings it was never asked for)."""
    live_id = row.get("live_id")
    if not _commanded(session, device, "live", "live_id", live_id):
        raise RowRefused(f"Thiết bị không nhận lệnh phát trực tiếp nào cho buổi {live_id!r}.")
    return _commanded_row(row, device, kind="live", title=str(row.get("title") or "Phát trực tiếp")[:300])


def _programmes(session: Session, device: Device, rows: list[dict]) -> dict:
    days = set()
    for row in rows:
        try:
            days.add(date.fromisoformat(str(row.get("date", ""))))
        except ValueError:
            pass
    if not days:
        return {}
    found = session.scalars(
        select(Programme)
        .options(selectinload(Programme.items))
        .where(Programme.station_id == device.station_id, Programme.on_date.in_(days))
    )
    return {(p.on_date, p.session_code): p for p in found}


def ingest(session: Session, device: Device, rows) -> dict:
    """Store a batch; returns ``{"stored": [uid], "already_stored": [uid], "rejected": [{"uid", "reason"}]}``.
    Commits (row by row only when a concurrent delivery raced this one)."""
    if not isinstance(rows, list) or len(rows) > MAX_BATCH:
        raise ValidationError(f"rows phải là danh sách tối đa {MAX_BATCH} dòng.", field="rows")
    result = {"stored": [], "already_stored": [], "rejected": []}
    fresh, seen = [], set()
    for row in rows:
        uid = row.get("uid") if isinstance(row, dict) else None
        if not isinstance(uid, str) or not 0 < len(uid) <= MAX_UID:
            result["rejected"].append(
                {
                    "uid": uid if isinstance(uid, str) else None,
                    "reason": f"Mỗi dòng cần uid là chuỗi 1–{MAX_UID} ký tự.",
                }
            )
            continue
        if uid in seen:
            result["already_stored"].append(uid)
            continue
        seen.add(uid)
        fresh.append(row)
    known = set()
    for chunk in range(0, len(fresh), 500):
        uids = [r["uid"] for r in fresh[chunk : chunk + 500]]
        known |= set(session.scalars(select(AsRun.uid).where(AsRun.uid.in_(uids))))
    programmes = _programmes(session, device, fresh)
    known_clusters = set(session.scalars(select(Cluster.code).where(Cluster.station_id == device.station_id)))
    # Rows count in the airtime report: only a station its devices air may have device rows, or an airing
    # would be counted twice (the server's own rows and the device's).
    not_agent = (
        None
        if device.station.sink == "agent"
        else f"Đài {device.station.code} không phát qua thiết bị (đầu ra của đài không phải agent)."
    )
    built = []
    for row in fresh:
        if row["uid"] in known:
            result["already_stored"].append(row["uid"])
            continue
        try:
            if not_agent:
                raise RowRefused(not_agent)
            if row.get("kind") == "emergency":
                built.append(_build_emergency(session, row, device))
            elif row.get("kind") == "live":
                built.append(_build_live(session, row, device))
            else:
                built.append(_build(row, device, programmes, known_clusters))
        except RowRefused as exc:
            result["rejected"].append({"uid": row["uid"], "reason": str(exc)})
    _store(session, built, result)
    if result["rejected"]:
        log.warning("device %s: %d as-run rows rejected", device.code, len(result["rejected"]))
        record_event(session, device, "refused", {"as_run": result["rejected"][:20]})
        session.commit()
    return result


def _store(session: Session, built: list[AsRun], result: dict) -> None:
    session.add_all(built)
    try:
        session.commit()
        result["stored"].extend(r.uid for r in built)
        return
    except IntegrityError:
        session.rollback()
    # Another delivery of the same rows won the race: store one by one, each in its own savepoint.
    for row in built:
        try:
            with session.begin_nested():
                session.add(row)
            result["stored"].append(row.uid)
        except IntegrityError:
            result["already_stored"].append(row.uid)
    session.commit()
