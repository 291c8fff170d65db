"""Bulletin lists, the approval queue, counts and history, without N+1 queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..dates import parse_day
from ..db import text_contains
from ..domain.models import AuditLog, Bulletin, BulletinComment, BulletinStatus, Category, Department, User
from ..errors import ValidationError
from . import permissions as perm

S = BulletinStatus
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 100_000

_PRIORITY_ORDER = case((Bulletin.priority == "emergency", 0), (Bulletin.priority == "priority", 1), else_=2)


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _load_options():
    # Many-to-one references come in the same statement (they never multiply
    # rows, so LIMIT stays right); the station and cluster lists need one more each.
    return (
        joinedload(Bulletin.category),
        joinedload(Bulletin.department),
        joinedload(Bulletin.author),
        joinedload(Bulletin.approved_by),
        selectinload(Bulletin.stations),
        selectinload(Bulletin.clusters),
    )


def parse_page(value, name: str = "page", *, default: int = 1, maximum: int = MAX_PAGE) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(f"Tham số {name} phải là số nguyên dương.", field=name) from None
    if number < 1 or number > maximum:
        raise ValidationError(f"Tham số {name} phải từ 1 đến {maximum}.", field=name)
    return number


def filtered_query(
    session: Session,
    user: User,
    *,
    status: str | None = None,
    category: str | None = None,
    department: str | None = None,
    q: str | None = None,
    on_date: date | str | None = None,
    author_id: int | None = None,
):
    """A SELECT of the bulletins ``user`` may see, narrowed by the filters (validated here)."""
    stmt = select(Bulletin).where(perm.visibility_clause(user))
    if status:
        statuses = [s.strip() for s in str(status).split(",") if s.strip()]
        bad = [s for s in statuses if s not in S.__members__]
        if bad:
            raise ValidationError(f"Trạng thái «{bad[0][:30]}» không hợp lệ.", field="status")
        stmt = stmt.where(Bulletin.status.in_(statuses))
    if category:
        stmt = stmt.where(Bulletin.category_id.in_(select(Category.id).where(Category.code == category)))
    if department:
        stmt = stmt.where(Bulletin.department_id.in_(select(Department.id).where(Department.code == department)))
    if author_id is not None:
        stmt = stmt.where(Bulletin.author_id == author_id)
    if on_date:
        if isinstance(on_date, str):
            try:
                on_date = parse_day(on_date, "date")
            except ValidationError:
                on_date = None
            if on_date is None:  # spaces only, or not a date
                raise ValidationError("Ngày lọc phải có dạng YYYY-MM-DD.", field="date")
        stmt = stmt.where(Bulletin.valid_from <= on_date, Bulletin.valid_until >= on_date)
    if q:
        q = str(q).strip()[:200].replace("\x00", "")
        if q:
            stmt = stmt.where(text_contains(session, (Bulletin.title, Bulletin.body), q))
    return stmt


def list_bulletins(session: Session, user: User, *, page=1, per_page=DEFAULT_PER_PAGE, **filters) -> Page:
    page = parse_page(page)
    per_page = parse_page(per_page, "per_page", default=DEFAULT_PER_PAGE, maximum=MAX_PER_PAGE)
    stmt = filtered_query(session, user, **filters)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(
        stmt.options(*_load_options())
        .order_by(Bulletin.updated_at.desc(), Bulletin.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(list(rows), total, page, per_page)


def approval_queue(session: Session, user: User, *, page=1, per_page=DEFAULT_PER_PAGE) -> Page:
    """Submitted bulletins ``user`` may approve: emergencies first, then oldest first."""
    page = parse_page(page)
    stmt = select(Bulletin).where(
        Bulletin.status == S.submitted.value, perm.visibility_clause(user), perm.review_clause(session, user)
    )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.options(*_load_options())
        .order_by(_PRIORITY_ORDER, Bulletin.submitted_at.asc(), Bulletin.id.asc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(list(rows), total, page, per_page)


def status_counts(session: Session, user: User) -> dict[str, int]:
    """How many bulletins ``user`` may see in each state."""
    rows = session.execute(
        select(Bulletin.status, func.count()).where(perm.visibility_clause(user)).group_by(Bulletin.status)
    ).all()
    counts = {s.value: 0 for s in S}
    counts.update(dict(rows))
    return counts


def queue_count(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count(Bulletin.id)).where(
                Bulletin.status == S.submitted.value, perm.visibility_clause(user), perm.review_clause(session, user)
            )
        )
        or 0
    )


def history(session: Session, bulletin: Bulletin) -> list[AuditLog]:
    return list(
        session.scalars(
            select(AuditLog)
            .where(AuditLog.object_type == "bulletins", AuditLog.object_id == str(bulletin.id))
            .order_by(AuditLog.at, AuditLog.id)
        )
    )


def comments(session: Session, bulletin: Bulletin) -> list[BulletinComment]:
    return list(
        session.scalars(
            select(BulletinComment)
            .where(BulletinComment.bulletin_id == bulletin.id)
            .options(selectinload(BulletinComment.user))
            .order_by(BulletinComment.created_at, BulletinComment.id)
        )
    )
