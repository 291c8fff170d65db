"""Podcast feeds (RSS 2.0 with the iTunes tags) of a ward's published bulletins, written with feedgen.

A podcast app keys its episodes on the GUID: it is built from the ward and
the bulletin id only (``loaphuong:<WARD>:bulletin:<id>``), so a title edit,
a new address for the site or an app restart never makes an old bulletin
look new. URLs come from the caller (the web layer knows its own routes),
so this module stays free of Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.models import Category, Ward
from .catalog import CCHC_GROUP, PublicItem, list_published

MAX_ITEMS = 100
APP_NAME = "Loa Phường"
ITUNES_CATEGORY = "Government"
CCHC_TITLE = "Chuyên mục cải cách hành chính"
AUDIO_TYPE = "audio/mpeg"


@dataclass(frozen=True)
class Feed:
    body: bytes
    last_modified: datetime | None  # the newest item's first airing; None when the feed is empty
    items: int


def item_guid(ward_code: str, bulletin_id: int) -> str:
    return f"loaphuong:{ward_code.upper()}:bulletin:{bulletin_id}"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _duration(ms: int) -> str:
    seconds = max(1, round((ms or 0) / 1000))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def newest_aired(items: Sequence[PublicItem]) -> datetime | None:
    return max((_aware(i.first_aired) for i in items if i.first_aired), default=None)


def render(
    items: Sequence[PublicItem],
    *,
    ward_code: str,
    ward_name: str,
    title: str,
    description: str,
    link: str,
    feed_url: str,
    audio_url: Callable[[int], str],
    page_url: Callable[[int], str],
    built: datetime,
    image_url: str | None = None,
) -> bytes:
    """The RSS document, items in the order given (newest first).

    ``built`` is the channel's lastBuildDate: the caller passes a moment that
    only changes with the content, so the same items give the same bytes (and
    the same ETag) however often the feed is rebuilt.
    """
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.title(title)
    fg.description(description)
    fg.language("vi")
    # feedgen writes the last link given as the channel's <link>: the self link goes first.
    fg.link(href=feed_url, rel="self")
    fg.link(href=link, rel="alternate")
    fg.lastBuildDate(_aware(built))
    fg.generator(APP_NAME)
    fg.podcast.itunes_author(ward_name)
    fg.podcast.itunes_category(ITUNES_CATEGORY)
    fg.podcast.itunes_explicit("no")
    fg.podcast.itunes_summary(description)
    if image_url:  # Apple takes only .jpg and .png artwork; without one the tag is left out
        fg.podcast.itunes_image(image_url)
    for item in items:
        entry = fg.add_entry(order="append")
        entry.guid(item_guid(ward_code, item.id), permalink=False)
        entry.title(item.title)
        entry.description(item.text)
        entry.link(href=page_url(item.id))
        entry.published(_aware(item.first_aired))
        entry.category(term=item.category_name)
        entry.enclosure(audio_url(item.id), str(item.audio_bytes), AUDIO_TYPE)
        entry.podcast.itunes_duration(_duration(item.duration_ms))
        entry.podcast.itunes_author(item.department)
        entry.podcast.itunes_explicit("no")
    return fg.rss_str(pretty=False)


def category_title(session: Session, category: str | None) -> str | None:
    """The column's name for a feed of one category (or of every CCHC area); None for the whole ward."""
    if not category:
        return None
    if category == CCHC_GROUP:
        return CCHC_TITLE
    return session.scalar(select(Category.name).where(Category.code == category)) or category


def ward_feed(
    session: Session,
    ward: Ward,
    *,
    category: str | None = None,
    link: str,
    feed_url: str,
    audio_url: Callable[[int], str],
    page_url: Callable[[int], str],
    image_url: str | None = None,
) -> Feed:
    """The ward's feed (or one column's, ``category`` already checked): its newest 100 published bulletins."""
    items = list_published(session, ward, category=category, per_page=MAX_ITEMS, newest="first").items
    column = category_title(session, category)
    if column:
        title = f"{column} — {ward.name}"
        description = f"{column}: các tin đã phát trên hệ thống loa truyền thanh của {ward.name}."
    else:
        title = f"{APP_NAME} — {ward.name}"
        description = f"Các tin đã phát trên hệ thống loa truyền thanh của {ward.name}, nghe lại bất cứ lúc nào."
    newest = newest_aired(items)
    body = render(
        items,
        ward_code=ward.code,
        ward_name=ward.name,
        title=title,
        description=description,
        link=link,
        feed_url=feed_url,
        audio_url=audio_url,
        page_url=page_url,
        # An empty feed still needs a date that does not move: the ward's creation.
        built=newest or ward.created_at or datetime(2025, 1, 1, tzinfo=UTC),
        image_url=image_url,
    )
    return Feed(body=body, last_modified=newest, items=len(items))
