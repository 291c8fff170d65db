"""The listening page, a page per bulletin, and the audio (which counts a listen).

Every miss (unknown ward, a bulletin not published here, an absurd query
parameter) raises ``NotFound`` with the catalogue's one message, so a 404
never tells a private bulletin from one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby
from pathlib import Path

from flask import make_response, render_template, request, send_file
from sqlalchemy import select

from broadcast.domain.models import Category
from broadcast.errors import NotFound
from broadcast.publishing import catalog, listens

from .. import db_session, runtime_of
from . import bp
from .cache import cached

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
AUDIO_MAX_AGE_S = 3600
DESCRIPTION_CHARS = 200


@dataclass
class CategoryGroup:
    name: str
    is_cchc: bool
    items: list = field(default_factory=list)


@dataclass
class DayGroup:
    day: date
    label: str
    groups: list[CategoryGroup] = field(default_factory=list)


def local(moment: datetime) -> datetime:
    return moment.astimezone(runtime_of().settings.tz)


def day_label(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]}, {day:%d/%m/%Y}"


def group_by_day(items: list[catalog.PublicItem]) -> list[DayGroup]:
    """Items (newest first) by local day of their latest airing, then by category, CCHC areas first."""
    days = []
    for day, same_day in groupby(items, key=lambda i: local(i.last_aired).date()):
        groups: dict[str, CategoryGroup] = {}
        for item in same_day:
            groups.setdefault(item.category_code, CategoryGroup(item.category_name, item.is_cchc)).items.append(item)
        ordered = sorted(groups.values(), key=lambda g: (not g.is_cchc, g.name))
        days.append(DayGroup(day, day_label(day), ordered))
    return days


def summary(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    """The first ``limit`` characters of the text, cut at a word, for Open Graph descriptions."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + "…"


@bp.app_template_filter("public_time")
def public_time(moment: datetime) -> str:
    return f"{local(moment):%H:%M} {day_label(local(moment).date())}"


@bp.app_template_filter("public_duration")
def public_duration(ms: int) -> str:
    seconds = round((ms or 0) / 1000)
    return f"{seconds // 60}:{seconds % 60:02d}"


def category_choices(session) -> list[tuple[str, str]]:
    rows = session.execute(select(Category.code, Category.name).order_by(Category.sort_order, Category.name))
    return [(catalog.CCHC_GROUP, "Tất cả lĩnh vực cải cách hành chính"), *[(c, n) for c, n in rows]]


@bp.get("/<ward>/")
@cached
def ward_page(ward: str):
    session = db_session()
    found = catalog.find_ward(session, ward)
    q = catalog.check_query(request.args.get("q"))
    category = catalog.check_category(session, request.args.get("chuyen-muc"))
    page = catalog.check_page(request.args.get("trang"))
    listing = catalog.list_published(session, found, q=q, category=category, page=page)
    if page > listing.pages:
        raise NotFound(catalog.GONE)
    page_html = render_template(
        "public/ward.html",
        ward=found,
        listing=listing,
        days=group_by_day(listing.items),
        q=q or "",
        category=category or "",
        categories=category_choices(session),
    )
    return make_response(page_html)  # @cached keeps Response objects


@bp.get("/<ward>/tin/<int:bulletin_id>")
@cached
def bulletin_page(ward: str, bulletin_id: int):
    session = db_session()
    found = catalog.find_ward(session, ward)
    item = catalog.get_published(session, found, bulletin_id)
    return make_response(render_template("public/bulletin.html", ward=found, item=item, description=summary(item.text)))


def audio_file(item: catalog.PublicItem) -> Path:
    path = Path(item.audio_path)
    if not path.is_absolute():  # renditions may be stored relative to the data folder
        path = Path(runtime_of().settings.data_dir) / path
    if not path.is_file():
        raise NotFound(catalog.GONE)
    return path


def starts_a_play() -> bool:
    """A GET of the whole file or of a range from byte 0: seeking re-requests later ranges, which are not plays."""
    if request.method != "GET":
        return False
    if "Range" not in request.headers:
        return True
    ranges = request.range.ranges if request.range else []
    return bool(ranges) and ranges[0][0] == 0


@bp.get("/<ward>/tin/<int:bulletin_id>.mp3")
def bulletin_audio(ward: str, bulletin_id: int):
    channel = request.args.get("kenh", "page")
    if channel not in listens.CHANNELS:
        raise NotFound(catalog.GONE)
    session = db_session()
    item = catalog.get_published(session, catalog.find_ward(session, ward), bulletin_id)
    path = audio_file(item)
    if starts_a_play():
        settings = runtime_of().settings
        listens.record_listen(
            session,
            secret=settings.secret_key,
            day=datetime.now(settings.tz).date(),
            # Only an HMAC of this under a daily salt is stored (see listens).
            listener=f"{request.remote_addr or ''}|{request.headers.get('User-Agent', '')}",
            bulletin_id=item.id,
            channel=channel,
        )
        session.commit()
    return send_file(
        path, mimetype="audio/mpeg", conditional=True, max_age=AUDIO_MAX_AGE_S, download_name=f"tin-{item.id}.mp3"
    )


@bp.get("/")
@bp.get("/<ward>/<path:rest>")
def not_found(ward: str = "", rest: str = ""):
    """Any other address under /nghe (``tin/abc``, a typo) gets the public 404, the same as a hidden bulletin's."""
    raise NotFound(catalog.GONE)
