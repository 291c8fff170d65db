"""Reading the audit log: filters and pages (the log itself is append-only).

A ward user's session reads only their ward's rows (``broadcast.tenancy`` narrows every ORM statement
here, the action list included); a province user reads every ward's and may filter by ward."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .bulletins.queries import Page, parse_page
from .domain.models import AuditLog, Ward
from .errors import ValidationError

PER_PAGE = 50


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"Ngày {name} phải có dạng YYYY-MM-DD.", field=name) from None


def audit_page(
    session: Session,
    *,
    tz,
    action: str | None = None,
    username: str | None = None,
    day_from: str | None = None,
    day_to: str | None = None,
    ward: str | None = None,
    page=None,
) -> Page:
    """Newest first; ``action`` matches a prefix ("auth." for every login event); ``ward`` a ward's code
    (a ward the session cannot see is answered as a missing one)."""
    number = parse_page(page)
    start, end = _day(day_from, "from"), _day(day_to, "to")
    if start and end and end < start:
        raise ValidationError("Ngày kết thúc phải sau ngày bắt đầu.", field="to")
    query = select(AuditLog)
    if ward:
        found = session.scalar(select(Ward.id).where(Ward.code == ward.strip().upper()))
        if found is None:
            raise ValidationError(f"Không có phường, xã mã {ward.strip()[:40]}.", field="ward")
        query = query.where(AuditLog.ward_id == found)
    if action:
        query = query.where(AuditLog.action.startswith(action.strip(), autoescape=True))
    if username:
        query = query.where(AuditLog.username == username.strip().lower())
    if start:
        query = query.where(AuditLog.at >= datetime.combine(start, time(), tzinfo=tz))
    if end:
        query = query.where(AuditLog.at < datetime.combine(end + timedelta(days=1), time(), tzinfo=tz))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(AuditLog.id.desc()).limit(PER_PAGE).offset((number - 1) * PER_PAGE)).all()
    return Page(items=list(rows), total=total, page=number, per_page=PER_PAGE)


def audit_actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))


def ward_names(session: Session) -> dict[int, tuple[str, str]]:
    """{ward id: (code, name)} of the wards the session sees, by name: the ward column and filter of a
    province user's log."""
    rows = session.execute(select(Ward.id, Ward.code, Ward.name).order_by(Ward.name))
    return {wid: (code, name) for wid, code, name in rows}
