"""Podcast feeds (RSS 2.0): the whole ward's and one column's (a category, or every CCHC area).

Served from the response cache with an ETag; Last-Modified is the newest
item's first airing, so a podcast app revalidating with either header gets
a 304 until something new airs. Enclosures point at the audio route with
``kenh=podcast``, so plays from podcast apps are counted on their own.
"""

from __future__ import annotations

from flask import Response, url_for

from broadcast.publishing import catalog, feeds

from .. import db_session
from . import bp
from .cache import cached

RSS_MIMETYPE = "application/rss+xml"


def _feed_response(ward_code: str, category: str | None) -> Response:
    session = db_session()
    ward = catalog.find_ward(session, ward_code)
    category = catalog.check_category(session, category)
    code = ward.code
    if category:
        feed_url = url_for("public.category_feed", ward=code, category=category, _external=True)
        link = url_for("public.ward_page", ward=code, **{"chuyen-muc": category}, _external=True)
    else:
        feed_url = url_for("public.ward_feed", ward=code, _external=True)
        link = url_for("public.ward_page", ward=code, _external=True)
    feed = feeds.ward_feed(
        session,
        ward,
        category=category,
        link=link,
        feed_url=feed_url,
        audio_url=lambda bid: url_for(
            "public.bulletin_audio", ward=code, bulletin_id=bid, kenh="podcast", _external=True
        ),
        page_url=lambda bid: url_for("public.bulletin_page", ward=code, bulletin_id=bid, _external=True),
    )
    response = Response(feed.body, mimetype=RSS_MIMETYPE)
    response.last_modified = feed.last_modified
    return response


@bp.get("/<ward>/podcast.xml")
@cached
def ward_feed(ward: str):
    return _feed_response(ward, None)


@bp.get("/<ward>/podcast/<category>.xml")
@cached
def category_feed(ward: str, category: str):
    return _feed_response(ward, category)
