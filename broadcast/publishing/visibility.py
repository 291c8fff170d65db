"""Which bulletins the public may see: approved, aired, and public by choice or by category.

Thông báo (general notices) and "khác" often name private persons (a lost
document, a funeral, a debt), so they stay off the public page unless the
approver turns them on; every other category is public unless turned off.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, or_, select

from ..domain.models import AsRun, AsRunStatus, Bulletin, BulletinStatus, Category

PRIVATE_BY_DEFAULT = frozenset({"thong-bao", "khac"})

# A withdrawn bulletin was taken back by its department: it leaves the public page too.
PUBLISHED_STATUSES = (
    BulletinStatus.approved.value,
    BulletinStatus.scheduled.value,
    BulletinStatus.airing.value,
    BulletinStatus.completed.value,
    BulletinStatus.expired.value,
)


def default_public(category_code: str | None) -> bool:
    return category_code not in PRIVATE_BY_DEFAULT


def is_public(bulletin: Bulletin) -> bool:
    """The approver's choice, or the category's default when none was made."""
    if bulletin.public is not None:
        return bulletin.public
    return default_public(bulletin.category.code if bulletin.category else None)


def aired_clause():
    """The bulletin has at least one airing that completed."""
    return exists(select(AsRun.id).where(AsRun.bulletin_id == Bulletin.id, AsRun.status == AsRunStatus.aired.value))


def public_clause():
    """SQL for ``is_public`` (the query must join ``Category``)."""
    return or_(
        Bulletin.public.is_(True),
        and_(Bulletin.public.is_(None), Category.code.not_in(sorted(PRIVATE_BY_DEFAULT))),
    )


def published_clause():
    return and_(Bulletin.status.in_(PUBLISHED_STATUSES), public_clause(), aired_clause())
