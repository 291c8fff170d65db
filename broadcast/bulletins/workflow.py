"""The bulletin state machine.

    draft -> submitted -> approved | rejected
    rejected -> submitted                      (after corrections)
    approved -> scheduled -> airing -> completed (all airings done)
    approved | scheduled | airing -> expired   (the airing window passed)
    draft | submitted | rejected | approved | scheduled | airing -> withdrawn

Each transition is a function ``(session, bulletin, actor, reason=None)``
that checks the actor's permission and the bulletin's state, changes it and
appends an audit row (who, when, from, to, why) in the caller's transaction.
``actor=None`` means the system (the scheduler marking airings done or
windows passed) and is only accepted by the system transitions.

Approving an emergency bulletin sets it ``approved``: the playout
scheduler polls for approved emergency bulletins and breaks in; the devices
of its ``agent`` stations get an ``emergency`` command each (docs/network.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from ..config import DEFAULT_TIMEZONE, Settings, read_timezone, session_settings
from ..domain.labels import STATUS_LABELS, status_label  # noqa: F401 - re-exported for older importers
from ..domain.models import Bulletin, BulletinStatus, Role, User
from ..domain.types import utcnow
from ..errors import BroadcastError, Conflict, NotFound, PermissionDenied, ValidationError
from ..province.decisions import sync_deliveries
from ..province.targets import is_province_bulletin
from ..security import audit
from . import permissions as perm

log = logging.getLogger(__name__)

S = BulletinStatus


MAX_REASON = 2000


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    label: str  # the verb, for messages
    system: bool = False  # may run without a user (scheduler)


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition("submit", frozenset({S.draft.value, S.rejected.value}), S.submitted.value, "gửi duyệt"),
        Transition("approve", frozenset({S.submitted.value}), S.approved.value, "duyệt"),
        Transition("reject", frozenset({S.submitted.value}), S.rejected.value, "trả lại"),
        Transition(
            "withdraw",
            frozenset(
                {
                    S.draft.value,
                    S.submitted.value,
                    S.rejected.value,
                    S.approved.value,
                    S.scheduled.value,
                    S.airing.value,
                }
            ),
            S.withdrawn.value,
            "rút",
        ),
        Transition("schedule", frozenset({S.approved.value}), S.scheduled.value, "xếp lịch", system=True),
        Transition(
            "start_airing", frozenset({S.approved.value, S.scheduled.value}), S.airing.value, "phát", system=True
        ),
        Transition(
            "complete",
            frozenset({S.approved.value, S.scheduled.value, S.airing.value}),
            S.completed.value,
            "đánh dấu phát xong",
            system=True,
        ),
        Transition(
            "expire",
            frozenset({S.approved.value, S.scheduled.value, S.airing.value}),
            S.expired.value,
            "đánh dấu hết hạn",
            system=True,
        ),
    )
}

# States a submitter may still withdraw from (before approval).
SUBMITTER_WITHDRAWABLE = frozenset({S.draft.value, S.submitted.value, S.rejected.value})


def _clean_reason(reason: str | None, *, required: bool, what: str) -> str | None:
    reason = (reason or "").strip()
    if "\x00" in reason:
        raise ValidationError("Lý do chứa ký tự không hợp lệ.", field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationError(f"Lý do dài quá {MAX_REASON} ký tự.", field="reason")
    if required and not reason:
        raise ValidationError(f"Cần ghi lý do khi {what} tin.", field="reason")
    return reason or None


def allowed(session: Session, name: str, bulletin: Bulletin, actor: User | None) -> bool:
    """Whether ``actor`` may perform transition ``name`` on ``bulletin`` now (state and role)."""
    t = TRANSITIONS[name]
    if bulletin.status not in t.sources:
        return False
    try:
        _check_permission(session, t, bulletin, actor)
    except (PermissionDenied, NotFound):
        return False
    return True


def available_actions(session: Session, bulletin: Bulletin, actor: User) -> list[str]:
    """The user-facing transitions the actor can perform now, for buttons."""
    return [n for n in ("submit", "approve", "reject", "withdraw") if allowed(session, n, bulletin, actor)]


def _check_permission(session: Session, t: Transition, bulletin: Bulletin, actor: User | None) -> None:
    if actor is None:
        if t.system:
            return
        raise PermissionDenied("Thao tác này cần một người dùng đăng nhập.")
    if not perm.can_view(actor, bulletin):
        raise NotFound(f"Không có tin số {bulletin.id}.", code="bulletin_not_found")
    role = actor.role
    if t.name == "submit":
        ok = role in perm.STAFF_ROLES or (role == Role.submitter.value and perm.same_department(actor, bulletin))
        if not ok:
            raise PermissionDenied("Bạn không được gửi duyệt tin này.")
    elif t.name in ("approve", "reject"):
        if bulletin.author_id == actor.id:
            raise PermissionDenied("Không ai được tự duyệt hoặc trả lại tin do chính mình viết.")
        if perm.sent_down_to(actor, bulletin):
            raise PermissionDenied("Tin của tỉnh gửi xuống do lãnh đạo cấp tỉnh duyệt.")
        if not perm.can_review(session, actor, bulletin):
            if role == Role.operator.value:
                raise PermissionDenied("Cán bộ đài chỉ được duyệt tin mức thường khi phường cho phép.")
            raise PermissionDenied("Chỉ lãnh đạo duyệt tin mới được duyệt hoặc trả lại tin.")
    elif t.name == "withdraw":
        if perm.sent_down_to(actor, bulletin):
            raise PermissionDenied("Tin của tỉnh gửi xuống: phường không rút được, chỉ từ chối phát trong hàng chờ.")
        if role in perm.STAFF_ROLES:
            return
        if role == Role.submitter.value and perm.same_department(actor, bulletin):
            if bulletin.status not in SUBMITTER_WITHDRAWABLE:
                raise PermissionDenied("Tin đã được duyệt: chỉ lãnh đạo hoặc cán bộ đài mới rút được.")
            return
        raise PermissionDenied("Bạn không được rút tin này.")
    elif t.system and role not in (Role.admin.value, Role.operator.value):
        raise PermissionDenied("Chỉ cán bộ đài mới được thay đổi trạng thái phát của tin.")


def _run(
    session: Session,
    name: str,
    bulletin: Bulletin,
    actor: User | None,
    reason: str | None,
    *,
    reason_required: bool = False,
) -> Bulletin:
    t = TRANSITIONS[name]
    # Order: invisible -> 404; wrong state -> 409 (the actor can see the state anyway); then the role rules -> 403.
    if actor is not None and not perm.can_view(actor, bulletin):
        raise NotFound(f"Không có tin số {bulletin.id}.", code="bulletin_not_found")
    if bulletin.status not in t.sources:
        raise Conflict(
            f"Tin đang ở trạng thái «{status_label(bulletin.status)}», không thể {t.label}.",
            code="invalid_state",
        )
    _check_permission(session, t, bulletin, actor)
    reason = _clean_reason(reason, required=reason_required, what=t.label)
    if name == "submit":
        check_submittable(session, bulletin)
    if name in ("submit", "approve"):
        check_window_open(bulletin, name, local_today(session))
    old = bulletin.status
    now = utcnow()
    bulletin.status = t.target
    if name == "submit":
        bulletin.submitted_at = now
        bulletin.approved_at = bulletin.approved_by_id = None
        bulletin.approved_by = None
    elif name == "approve":
        bulletin.approved_at, bulletin.approved_by = now, actor
        bulletin.review_comment = reason
    elif name == "reject":
        bulletin.review_comment = reason
    elif name == "complete":
        bulletin.airings_left = 0
    bulletin.updated_at = now
    audit(
        session,
        f"bulletin.{name}",
        user=actor,
        obj=bulletin,
        detail={"from": old, "to": t.target, "reason": reason, "version": bulletin.version},
    )
    session.flush()
    return bulletin


def local_today(tz: str | ZoneInfo | Settings | Session | None = None) -> date:
    """Today in the ward's time zone (the one ``valid_until`` is written in).

    ``tz``: a zone (or its name), the settings, or a session opened by a Runtime (which carries
    the settings). Without one, the zone comes from ``broadcast.config`` (``BROADCAST_TIMEZONE``);
    an unknown name falls back to Asia/Ho_Chi_Minh rather than failing a bulletin check."""
    if isinstance(tz, Session):
        tz = session_settings(tz)
    if isinstance(tz, Settings):
        tz = tz.tz
    if isinstance(tz, str):
        try:
            tz = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            tz = ZoneInfo(DEFAULT_TIMEZONE)
    return utcnow().astimezone(tz or read_timezone()).date()


def check_submittable(session: Session, bulletin: Bulletin) -> None:
    """A bulletin needs text (or a recording) to go to review."""
    if not (bulletin.body or "").strip() and not bulletin.recording_path:
        raise ValidationError("Tin chưa có nội dung.", field="body")


def check_window_open(bulletin: Bulletin, action: str = "submit", today: date | None = None) -> None:
    """Nobody submits or approves a bulletin whose airing window has already ended (409)."""
    today = today or local_today(object_session(bulletin))
    if bulletin.valid_until is not None and bulletin.valid_until < today:
        what = "gửi duyệt" if action == "submit" else "duyệt"
        raise Conflict(
            f"Thời hạn phát của tin đã hết (đến ngày {bulletin.valid_until:%d/%m/%Y}), không thể {what}: "
            "sửa ngày phát rồi gửi lại.",
            code="window_ended",
            field="valid_until",
        )


def expire_overdue(session: Session, today: date | None = None) -> list[Bulletin]:
    """Approved or scheduled bulletins whose airing window ended before ``today`` become ``expired``
    (audited as the system). Run once a day by the scheduler and before each programme build."""
    today = today or local_today(session)
    overdue = session.scalars(
        select(Bulletin)
        .where(Bulletin.status.in_((S.approved.value, S.scheduled.value)), Bulletin.valid_until < today)
        .order_by(Bulletin.id)
    ).all()
    for bulletin in overdue:
        _run(session, "expire", bulletin, None, f"Hết thời hạn phát (đến ngày {bulletin.valid_until:%d/%m/%Y}).")
    return list(overdue)


def submit(session: Session, bulletin: Bulletin, actor: User | None, reason: str | None = None) -> Bulletin:
    return _run(session, "submit", bulletin, actor, reason)


def approve(session: Session, bulletin: Bulletin, actor: User | None, reason: str | None = None) -> Bulletin:
    bulletin = _run(session, "approve", bulletin, actor, reason)
    deliver(session, bulletin, actor)
    if bulletin.priority == "emergency":
        _emergency_to_devices(session, bulletin, actor)
    return bulletin


def deliver(session: Session, bulletin: Bulletin, actor: User | None) -> None:
    """A province bulletin just approved goes down: one delivery per target station (broadcast.province)."""
    if is_province_bulletin(bulletin):
        sync_deliveries(session, bulletin, actor)


def _emergency_to_devices(session: Session, bulletin: Bulletin, actor: User | None) -> None:
    """Agent stations are aired by their devices, not by the scheduler: each device gets an ``emergency``
    command in this transaction. A bulletin without audio yet cannot be sent; the approval stands (the
    server's own stations still air it, rendering its speech) and the reason is logged."""
    from ..network.commands import emergency_to_devices  # the network side is optional for the workflow

    try:
        with session.begin_nested():
            emergency_to_devices(session, bulletin, user=actor)
    except BroadcastError as exc:
        log.warning("emergency bulletin %s not sent to devices: %s", bulletin.id, exc.message)


def reject(session: Session, bulletin: Bulletin, actor: User | None, reason: str | None = None) -> Bulletin:
    return _run(session, "reject", bulletin, actor, reason, reason_required=True)


def withdraw(session: Session, bulletin: Bulletin, actor: User | None, reason: str | None = None) -> Bulletin:
    return _run(session, "withdraw", bulletin, actor, reason)


def schedule(session: Session, bulletin: Bulletin, actor: User | None, reason: str | None = None) -> Bulletin:
    return _run(session, "schedule", bulletin, actor, reason)


def start_airing(session: Session, bulletin: Bulletin, actor: User | None, reason: str | None = None) -> Bulletin:
    return _run(session, "start_airing", bulletin, actor, reason)


def complete(session: Session, bulletin: Bulletin, actor: User | None, reason: str | None = None) -> Bulletin:
    return _run(session, "complete", bulletin, actor, reason)


def expire(session: Session, bulletin: Bulletin, actor: User | None, reason: str | None = None) -> Bulletin:
    return _run(session, "expire", bulletin, actor, reason)


ACTIONS = {
    "submit": submit,
    "approve": approve,
    "reject": reject,
    "withdraw": withdraw,
    "schedule": schedule,
    "start_airing": start_airing,
    "complete": complete,
    "expire": expire,
}


def perform(session: Session, name: str, bulletin: Bulletin, actor: User | None, reason: str | None = None) -> Bulletin:
    if name not in ACTIONS:
        raise NotFound(f"Không có thao tác {name!r}.")
    return ACTIONS[name](session, bulletin, actor, reason)


def requeue_after_edit(session: Session, bulletin: Bulletin, actor: User, changed: list[str]) -> None:
    """An approved (or scheduled) bulletin whose content changed goes back to review."""
    old = bulletin.status
    bulletin.status = S.submitted.value
    bulletin.submitted_at = utcnow()
    bulletin.approved_at = None
    bulletin.approved_by = None
    audit(
        session,
        "bulletin.requeue",
        user=actor,
        obj=bulletin,
        detail={
            "from": old,
            "to": bulletin.status,
            "reason": "Nội dung đã sửa sau khi duyệt: cần duyệt lại.",
            "fields": changed,
            "version": bulletin.version,
        },
    )
