"""Deliveries made and decided: a province bulletin approved goes down to its target stations, and each
ward decides on what landed in its queue.

Thông tư 39's three levels: ``normal`` waits for the ward operator (accept: it fills like the ward's own
bulletins; decline, with a reason: it never fills); ``priority`` is accepted at once and placed ahead of
the ward's normal items (the ward may order it against its own priority items: ``Delivery.position``);
``emergency`` is accepted at once and breaks in through the existing emergency path
(``broadcast.playout.emergency`` and the devices' ``emergency`` command), which reads the same targets.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from ..domain.models import Bulletin, Delivery, Priority, Station, User
from ..domain.types import utcnow
from ..errors import Conflict, NotFound, ValidationError
from ..security import audit
from .targets import target_station_ids

MAX_REASON = 2000
MAX_POSITION = 99
STATE_LABELS = {
    "waiting": "Chờ phường quyết định",
    "accepted": "Đã nhận phát",
    "declined": "Đã từ chối",
    "scheduled": "Đã xếp lịch",
    "aired": "Đã phát",
    "failed": "Phát lỗi",
}


def initial_state(level: str) -> str:
    """A normal bulletin waits for the ward; priority and emergency are accepted on arrival."""
    return "waiting" if level == Priority.normal.value else "accepted"


def sync_deliveries(session: Session, bulletin: Bulletin, actor: User | None) -> dict:
    """One delivery per target station of an approved province bulletin, inserted in one statement; a
    station no longer targeted loses its delivery; a level raised above normal accepts what still waited.
    Decisions already made stay.  Audited once for the bulletin (a province may have hundreds of stations)."""
    targets = set(target_station_ids(session, bulletin))
    level = bulletin.priority
    mine = Delivery.bulletin_id == bulletin.id
    existing = dict(session.execute(select(Delivery.station_id, Delivery.id).where(mine)).all())
    now = utcnow()
    new = sorted(targets - set(existing))
    if new:
        state = initial_state(level)
        session.execute(
            insert(Delivery),
            [
                {"bulletin_id": bulletin.id, "station_id": sid, "level": level, "state": state, "created_at": now}
                for sid in new
            ],
        )
    gone = sorted(set(existing) - targets)
    if gone:
        session.execute(
            delete(Delivery).where(mine, Delivery.station_id.in_(gone)),
            execution_options={"synchronize_session": False},
        )
    kept = sorted(set(existing) & targets)
    if kept:
        session.execute(update(Delivery).where(mine, Delivery.level != level).values(level=level))
        if level != Priority.normal.value:
            session.execute(update(Delivery).where(mine, Delivery.state == "waiting").values(state="accepted"))
    session.expire(bulletin, ["deliveries"])
    detail = {"level": level, "added": len(new), "removed": len(gone), "stations": len(targets)}
    audit(session, "delivery.send", user=actor, obj=bulletin, detail=detail)
    session.flush()
    return detail


def get_delivery(session: Session, delivery_id) -> Delivery:
    """The delivery, or NotFound — also for another ward's (the session's ward scope hides it)."""
    try:
        did = int(delivery_id)
    except (TypeError, ValueError):
        raise NotFound(f"Không có tin gửi xuống số {str(delivery_id)[:20]}.", code="delivery_not_found") from None
    delivery = session.get(Delivery, did) if 0 < did < 2**31 else None
    if delivery is None:
        raise NotFound(f"Không có tin gửi xuống số {did}.", code="delivery_not_found")
    return delivery


def _check_waiting(delivery: Delivery, verb: str) -> None:
    if delivery.state == "waiting":
        return
    if delivery.state == "declined":
        raise Conflict(
            f"Tin «{delivery.bulletin.title}» đã bị từ chối ở đài {delivery.station.code}, không {verb} được nữa.",
            code="delivery_declined",
        )
    raise Conflict(
        f"Tin «{delivery.bulletin.title}» đã được nhận phát ở đài {delivery.station.code}, không {verb} được nữa.",
        code="delivery_accepted",
    )


def _decide(session: Session, delivery: Delivery, actor: User, state: str, reason: str | None) -> Delivery:
    before = delivery.state
    delivery.state, delivery.reason = state, reason
    delivery.decided_by, delivery.decided_at = actor, utcnow()
    detail = {"from": before, "to": state, "bulletin_id": delivery.bulletin_id, "station": delivery.station.code}
    if reason:
        detail["reason"] = reason
    audit(
        session, f"delivery.{'accept' if state == 'accepted' else 'decline'}", user=actor, obj=delivery, detail=detail
    )
    session.flush()
    return delivery


def accept(session: Session, delivery: Delivery, actor: User) -> Delivery:
    """The ward airs it: it fills the station's programmes like the ward's own bulletins (409 when already
    decided)."""
    _check_waiting(delivery, "nhận phát")
    return _decide(session, delivery, actor, "accepted", None)


def decline(session: Session, delivery: Delivery, actor: User, reason) -> Delivery:
    """The ward does not air it, with its reason for the province (required; 409 when already decided)."""
    _check_waiting(delivery, "từ chối")
    if reason is not None and not isinstance(reason, str):
        raise ValidationError("Lý do phải là một chuỗi ký tự.", field="reason")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Cần ghi lý do khi từ chối phát tin của tỉnh.", code="reason_required", field="reason")
    if "\x00" in reason or len(reason) > MAX_REASON:
        raise ValidationError(f"Lý do không hợp lệ hoặc dài quá {MAX_REASON} ký tự.", field="reason")
    return _decide(session, delivery, actor, "declined", reason)


def set_position(session: Session, delivery: Delivery, actor: User, position) -> Delivery:
    """The ward operator's order of a province priority item among the ward's own priority items in a
    session (0 = first; None = back to the automatic place, ahead of the ward's normal items)."""
    if delivery.level != Priority.priority.value or delivery.state != "accepted":
        raise Conflict("Chỉ sắp xếp được tin mức ưu tiên của tỉnh đã nhận phát.", code="not_priority")
    if position is not None and (isinstance(position, bool) or not isinstance(position, int)):
        raise ValidationError("Vị trí phải là số nguyên từ 0 (đầu buổi) hoặc null.", field="position")
    if position is not None and not 0 <= position <= MAX_POSITION:
        raise ValidationError(f"Vị trí phải từ 0 đến {MAX_POSITION}.", field="position")
    before = delivery.position
    delivery.position = position
    detail = {"from": before, "to": position, "bulletin_id": delivery.bulletin_id, "station": delivery.station.code}
    audit(session, "delivery.position", user=actor, obj=delivery, detail=detail)
    session.flush()
    return delivery


def positions(session: Session, station_id: int, bulletin_ids) -> dict[int, int]:
    """bulletin id → the ward's chosen position at this station, for the filler."""
    ids = list(bulletin_ids)
    if not ids:
        return {}
    return dict(
        session.execute(
            select(Delivery.bulletin_id, Delivery.position).where(
                Delivery.station_id == station_id, Delivery.bulletin_id.in_(ids), Delivery.position.is_not(None)
            )
        ).all()
    )


def queue(session: Session, *, limit: int = 300) -> list[dict]:
    """The ward's queue: province bulletins delivered to the stations the session sees, waiting first, then
    the latest; each with its bulletin and station."""
    rows = session.execute(
        select(Delivery, Bulletin, Station)
        .join(Bulletin, Bulletin.id == Delivery.bulletin_id)
        .join(Station, Station.id == Delivery.station_id)
        .order_by((Delivery.state != "waiting"), Delivery.created_at.desc(), Station.code)
        .limit(limit)
    ).all()
    return [{"delivery": d, "bulletin": b, "station": s} for d, b, s in rows]
