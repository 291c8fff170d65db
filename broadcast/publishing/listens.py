"""Plays counted per bulletin, public channel and day, without keeping anything about the listener.

A replay by the same listener on the same day is recognised by an HMAC of
(listener key, bulletin, channel) under a salt made from the installation's
secret and the date: the salt changes daily and yesterday's marks are purged,
so a mark cannot be tied to an address afterwards. The listener key (the
caller passes the client address and user agent) is never stored.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain.models import Bulletin, Category, Department, Listen, ListenMark

CHANNELS = ("page", "embed", "podcast")
CHANNEL_LABELS = {"page": "Trang nghe", "embed": "Trình phát nhúng", "podcast": "Podcast"}


def _digest(secret: str, day: date, listener: str, bulletin_id: int, channel: str) -> str:
    salt = hmac.new(secret.encode(), f"listen-salt|{day.isoformat()}".encode(), hashlib.sha256).digest()
    return hmac.new(salt, f"{listener}|{bulletin_id}|{channel}".encode(), hashlib.sha256).hexdigest()


def record_listen(session: Session, *, secret: str, day: date, listener: str, bulletin_id: int, channel: str) -> bool:
    """Count one play unless this listener already played it on this channel today; True when counted."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    session.execute(delete(ListenMark).where(ListenMark.day < day))
    try:
        with session.begin_nested():
            session.add(ListenMark(day=day, digest=_digest(secret, day, listener, bulletin_id, channel)))
    except IntegrityError:
        return False
    bumped = session.execute(
        update(Listen)
        .where(Listen.bulletin_id == bulletin_id, Listen.channel == channel, Listen.day == day)
        .values(count=Listen.count + 1)
    ).rowcount
    if not bumped:
        try:
            with session.begin_nested():
                session.add(Listen(bulletin_id=bulletin_id, channel=channel, day=day, count=1))
        except IntegrityError:  # another request made today's row first
            session.execute(
                update(Listen)
                .where(Listen.bulletin_id == bulletin_id, Listen.channel == channel, Listen.day == day)
                .values(count=Listen.count + 1)
            )
    return True


def listen_rows(session: Session, *, start: date, end: date, ward_ids=None):
    """(channel, category code, bulletin id, title, plays) for plays from ``start`` to ``end`` inclusive."""
    query = (
        select(Listen.channel, Category.code, Bulletin.id, Bulletin.title, func.sum(Listen.count))
        .join(Bulletin, Bulletin.id == Listen.bulletin_id)
        .join(Category, Category.id == Bulletin.category_id)
        .join(Department, Department.id == Bulletin.department_id)
        .where(Listen.day >= start, Listen.day <= end)
        .group_by(Listen.channel, Category.code, Bulletin.id, Bulletin.title)
    )
    if ward_ids is not None:
        query = query.where(Department.ward_id.in_(list(ward_ids)))
    return [tuple(r) for r in session.execute(query)]
