"""Bulletin lists, the approval queue, counts and history, without N+1 queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, case, func, literal, select, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from ..dates import parse_day
from ..db import text_contains
from ..domain.models import (
    AuditLog,
    Bulletin,
    BulletinComment,
    BulletinStatus,
    Category,
    Cluster,
    Department,
    Station,
    User,
    bulletin_clusters,
    bulletin_stations,
)
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


_NEWEST_FIRST = (Bulletin.updated_at.desc(), Bulletin.id.desc())


def _page_ids(stmt, page: int, per_page: int):
    """The ids of one page, newest first, to filter the page's full rows by.

    Sorting ids alone and then joining the references of 20 rows is what keeps the list cheap: in one
    statement SQLite would join every visible bulletin's category, department and users and carry the whole
    rows through the sort (1,000 bulletins: 0.29 ms this way against 0.96 ms)."""
    return stmt.with_only_columns(Bulletin.id).order_by(*_NEWEST_FIRST).limit(per_page).offset((page - 1) * per_page)


def _page_args(page, per_page) -> tuple[int, int]:
    page = parse_page(page)
    return page, parse_page(per_page, "per_page", default=DEFAULT_PER_PAGE, maximum=MAX_PER_PAGE)


def _count(session: Session, stmt) -> int:
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def list_bulletins(session: Session, user: User, *, page=1, per_page=DEFAULT_PER_PAGE, **filters) -> Page:
    page, per_page = _page_args(page, per_page)
    stmt = filtered_query(session, user, **filters)
    total = _count(session, stmt)
    rows = session.scalars(
        select(Bulletin)
        .where(Bulletin.id.in_(_page_ids(stmt, page, per_page)))
        .options(*_load_options())
        .order_by(*_NEWEST_FIRST)
    ).all()
    return Page(list(rows), total, page, per_page)


# What a list row carries (``bulletin_row`` makes the same from a loaded bulletin): the bulletin's own
# columns, the codes and user names it refers to, and its stations' and clusters' codes.
ROW_FIELDS = (
    "id", "title", "body", "spoken_text", "priority", "status", "valid_from", "valid_until", "airings_wanted",
    "airings_left", "all_stations", "voice", "version", "recording_path", "review_comment", "created_at",
    "updated_at", "submitted_at", "approved_at", "public",
)  # fmt: skip
_AUTHOR = aliased(User)
_APPROVER = aliased(User)
_ROW_COLUMNS = (
    *(getattr(Bulletin, name) for name in ROW_FIELDS),
    Category.code.label("category"),
    Department.code.label("department"),
    _AUTHOR.username.label("author"),
    _APPROVER.username.label("approved_by"),
)
_ROWS = (
    select(*_ROW_COLUMNS)
    .join(Category, Category.id == Bulletin.category_id)
    .join(Department, Department.id == Bulletin.department_id)
    .join(_AUTHOR, _AUTHOR.id == Bulletin.author_id)
    .outerjoin(_APPROVER, _APPROVER.id == Bulletin.approved_by_id)
    .order_by(*_NEWEST_FIRST)
)


def bulletin_row(b: Bulletin) -> dict:
    """A loaded bulletin as a list row (what ``list_bulletin_rows`` returns for it)."""
    row = {name: getattr(b, name) for name in ROW_FIELDS}
    row.update(
        category=b.category.code,
        department=b.department.code,
        author=b.author.username,
        approved_by=b.approved_by.username if b.approved_by is not None else None,
        stations=sorted(s.code for s in b.stations),
        clusters=sorted({c.code for c in b.clusters}),
    )
    return row


def list_bulletin_rows(session: Session, user: User, *, page=1, per_page=DEFAULT_PER_PAGE, **filters) -> Page:
    """``list_bulletins`` as plain rows (``bulletin_row``'s dicts), for the API's list.

    Three statements whatever the page: the count, the page's rows with their references, and the page's
    station and cluster codes; no ORM objects are built (they cost more than the queries)."""
    page, per_page = _page_args(page, per_page)
    stmt = filtered_query(session, user, **filters)
    # Core statements on the session's connection: these selects load no objects, so the ORM's
    # execution layer would only add work (a third of what the three statements cost).
    conn = session.connection()
    total = conn.scalar(stmt.with_only_columns(func.count()))
    result = conn.execute(_ROWS.where(Bulletin.id.in_(_page_ids(stmt, page, per_page))))
    keys = list(result.keys())
    rows = [dict(zip(keys, r, strict=True)) for r in result]
    codes = _target_codes(conn, [r["id"] for r in rows])
    for row in rows:
        stations, clusters = codes.get(row["id"], ((), ()))
        row["stations"] = sorted(stations)
        row["clusters"] = sorted(set(clusters))
    return Page(rows, total, page, per_page)


# Built once: composing a statement costs more than running it on a page of ids.
_TARGET_CODES = union_all(
    select(literal(0).label("kind"), bulletin_stations.c.bulletin_id, Station.code)
    .join(Station, Station.id == bulletin_stations.c.station_id)
    .where(bulletin_stations.c.bulletin_id.in_(bindparam("ids", expanding=True))),
    select(literal(1), bulletin_clusters.c.bulletin_id, Cluster.code)
    .join(Cluster, Cluster.id == bulletin_clusters.c.cluster_id)
    .where(bulletin_clusters.c.bulletin_id.in_(bindparam("ids", expanding=True))),
)


def _target_codes(conn: Connection, ids: list[int]) -> dict[int, tuple[list[str], list[str]]]:
    """{bulletin id: (station codes, cluster codes)} for ``ids``, in one statement."""
    codes: dict[int, tuple[list[str], list[str]]] = {}
    if ids:
        for kind, bulletin_id, code in conn.execute(_TARGET_CODES, {"ids": ids}):
            codes.setdefault(bulletin_id, ([], []))[kind].append(code)
    return codes


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
