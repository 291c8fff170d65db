"""The public catalogue of a ward: its published bulletins, newest airing first, and their audio.

A public request never renders speech: the audio is the rendition the
station already made (what aired); a bulletin without one is not listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db import text_contains
from ..domain.models import AsRun, AsRunStatus, AudioRendition, Bulletin, Category, Department, Ward
from ..errors import NotFound
from .visibility import published_clause

PER_PAGE = 20
MAX_PAGE = 1000
MAX_QUERY = 100
CCHC_GROUP = "cchc"  # a filter meaning every CCHC area

GONE = "Không tìm thấy nội dung này trên trang nghe của phường, xã."


@dataclass(frozen=True)
class PublicItem:
    id: int
    title: str
    text: str
    category_code: str
    category_name: str
    is_cchc: bool
    department: str
    first_aired: datetime
    last_aired: datetime
    duration_ms: int
    audio_bytes: int
    audio_path: str


@dataclass(frozen=True)
class Listing:
    items: list[PublicItem]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def find_ward(session: Session, code: str) -> Ward:
    ward = session.scalar(select(Ward).where(func.upper(Ward.code) == str(code or "").upper()[:40]))
    if ward is None:
        raise NotFound(GONE)
    return ward


def _aired(which):
    """The bulletin's first (``func.min``) or latest (``func.max``) complete airing, from the partial index."""
    return (
        select(which(AsRun.actual_start))
        .where(AsRun.bulletin_id == Bulletin.id, AsRun.status == AsRunStatus.aired.value)
        .correlate(Bulletin)
        .scalar_subquery()
    )


def _newest_rendition():
    return (
        select(func.max(AudioRendition.id))
        .where(AudioRendition.bulletin_id == Bulletin.id)
        .correlate(Bulletin)
        .scalar_subquery()
    )


def _base(ward: Ward):
    first = _aired(func.min).label("first_aired")
    last = _aired(func.max).label("last_aired")
    query = (
        select(Bulletin, Category, Department.name, first, last, AudioRendition)
        .join(Category, Category.id == Bulletin.category_id)
        .join(Department, Department.id == Bulletin.department_id)
        .join(AudioRendition, AudioRendition.id == _newest_rendition())
        .where(Department.ward_id == ward.id, published_clause())
    )
    return query, {"first": first, "last": last}


def _item(row) -> PublicItem:
    bulletin, category, department, first, last, rendition = row
    path = Path(rendition.path)
    return PublicItem(
        id=bulletin.id,
        title=bulletin.title,
        text=bulletin.body,
        category_code=category.code,
        category_name=category.name,
        is_cchc=category.is_cchc,
        department=department,
        first_aired=first,
        last_aired=last,
        duration_ms=rendition.duration_ms,
        audio_bytes=path.stat().st_size if path.exists() else 0,
        audio_path=str(path),
    )


def check_category(session: Session, code: str | None) -> str | None:
    """``None`` for all; ``cchc`` for every CCHC area; else a category code that exists."""
    if not code:
        return None
    if code == CCHC_GROUP or session.scalar(select(Category.id).where(Category.code == code)):
        return code
    raise NotFound(GONE)


def check_page(value) -> int:
    try:
        page = int(value or 1)
    except (TypeError, ValueError):
        raise NotFound(GONE) from None
    if not 1 <= page <= MAX_PAGE:
        raise NotFound(GONE)
    return page


def check_query(value: str | None) -> str | None:
    text = " ".join(str(value or "").split())
    if len(text) > MAX_QUERY or "\x00" in text:
        raise NotFound(GONE)
    return text or None


def list_published(
    session: Session,
    ward: Ward,
    *,
    q: str | None = None,
    category: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    newest: str = "last",
) -> Listing:
    """One page of the ward's published bulletins, newest airing first.

    ``newest="last"`` orders by each bulletin's latest airing (the listening page: what the loudspeakers
    said this morning is on top, even if it first aired last week); ``"first"`` by its first airing (the
    podcast feeds: an episode's date does not move when it airs again).
    """
    query, aired = _base(ward)
    order = aired[newest]
    if category == CCHC_GROUP:
        query = query.where(Category.is_cchc.is_(True))
    elif category:
        query = query.where(Category.code == category)
    if q:
        query = query.where(text_contains(session, (Bulletin.title, Bulletin.body), q))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(
        query.order_by(order.desc(), Bulletin.id.desc()).offset((page - 1) * per_page).limit(per_page)
    )
    return Listing([_item(r) for r in rows], total, page, per_page)


def get_published(session: Session, ward: Ward, bulletin_id) -> PublicItem:
    """One published bulletin of this ward; anything else (unknown, private, not aired, another ward's) is gone."""
    try:
        bid = int(bulletin_id)
    except (TypeError, ValueError):
        raise NotFound(GONE) from None
    query, _ = _base(ward)
    row = session.execute(query.where(Bulletin.id == bid)).first()
    if row is None:
        raise NotFound(GONE)
    return _item(row)
