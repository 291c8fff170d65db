"""The podcast feeds over HTTP: RSS a podcast app can read, conditional GET, and nothing unpublished."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import feedparser
import pytest
from werkzeug.http import http_date, parse_date

from tests.published import OTHER_WARD, WARD
from web.public import cache

FEED = f"/nghe/{WARD}/podcast.xml"


@pytest.fixture
def ids(published) -> dict[str, list[int]]:
    """The ``published`` fixture's ids by state."""
    return published


@pytest.fixture
def tone(mp3_tone):
    return mp3_tone


@pytest.fixture(autouse=True)
def fresh_cache():
    # The cache is keyed by the app object's id, which a later test's app may reuse.
    cache.clear()
    yield
    cache.clear()


def _parse(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/rss+xml"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def _ids(parsed) -> list[int]:
    return [int(e.id.rsplit(":", 1)[1]) for e in parsed.entries]


def test_the_ward_feed_lists_the_published_bulletins_with_absolute_urls(client, ids):
    parsed = _parse(client.get(FEED))
    assert sorted(_ids(parsed)) == sorted(ids["public"] + ids["chosen_public"])
    assert parsed.feed.link == f"http://localhost/nghe/{WARD}/"
    assert any(link.rel == "self" and link.href == f"http://localhost{FEED}" for link in parsed.feed.links)
    for entry, bid in zip(parsed.entries, _ids(parsed), strict=True):
        assert entry.id == f"loaphuong:{WARD}:bulletin:{bid}"
        assert entry.link == f"http://localhost/nghe/{WARD}/tin/{bid}"
        (enclosure,) = entry.enclosures
        assert enclosure.href == f"http://localhost/nghe/{WARD}/tin/{bid}.mp3?kenh=podcast"
        assert enclosure.type == "audio/mpeg" and int(enclosure.length) > 0


def test_a_column_feed_has_only_its_column(client, ids):
    cchc = _parse(client.get(f"/nghe/{WARD}/podcast/cchc.xml"))
    assert cchc.feed.title.startswith("Chuyên mục cải cách hành chính — ")
    assert [e.title for e in cchc.entries] == ["Thủ tục cấp căn cước trực tuyến"]
    notices = _parse(client.get(f"/nghe/{WARD}/podcast/thong-bao.xml"))
    assert _ids(notices) == ids["chosen_public"]
    assert any(
        link.rel == "self" and link.href == f"http://localhost/nghe/{WARD}/podcast/thong-bao.xml"
        for link in notices.feed.links
    )


def test_etag_revalidation_answers_304_with_an_empty_body(client, ids):
    first = client.get(FEED)
    etag = first.headers["ETag"]
    again = client.get(FEED, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    changed = client.get(FEED, headers={"If-None-Match": '"another"'})
    assert changed.status_code == 200 and changed.data == first.data


def test_last_modified_is_the_newest_airing_and_if_modified_since_answers_304(client, ids):
    first = client.get(FEED)
    newest = max(e.published_parsed for e in _parse(first).entries)
    last_modified = parse_date(first.headers["Last-Modified"])
    assert last_modified.utctimetuple()[:6] == newest[:6]
    same = client.get(FEED, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert same.status_code == 304 and same.data == b""
    older = client.get(FEED, headers={"If-Modified-Since": http_date(last_modified - timedelta(minutes=1))})
    assert older.status_code == 200 and older.data == first.data


@pytest.mark.parametrize(
    "path",
    [
        "/nghe/NOWHERE/podcast.xml",
        "/nghe/NOWHERE/podcast/cchc.xml",
        f"/nghe/{WARD}/podcast/khong-co.xml",
        f"/nghe/{WARD}/podcast/{'x' * 500}.xml",
    ],
)
def test_unknown_ward_or_column_is_a_plain_404(client, ids, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Không tìm thấy nội dung này" in response.get_data(as_text=True)


def test_an_unpublished_bulletin_never_appears_in_any_feed(client, ids):
    hidden = {
        "Thông báo nhận lại giấy tờ bị rơi",  # private by category
        "Hòa giải ở cơ sở",  # turned off
        "Phòng cháy chữa cháy mùa khô",  # never aired
        "Tin đã rút",  # withdrawn
        "Tin của xã Đông La",  # another ward's
    }
    paths = [FEED] + [f"/nghe/{WARD}/podcast/{c}.xml" for c in ("cchc", "thong-bao", "phap-luat", "thien-tai")]
    for path in paths:
        body = client.get(path).get_data(as_text=True)
        assert not any(title in body for title in hidden), path
    other = _parse(client.get(f"/nghe/{OTHER_WARD}/podcast.xml"))
    assert _ids(other) == ids["other_ward"]


def test_an_enclosure_fetched_through_the_app_is_the_aired_audio(client, ids, tone):
    entry = _parse(client.get(FEED)).entries[0]
    url = urlsplit(entry.enclosures[0].href)
    audio = client.get(f"{url.path}?{url.query}")
    assert audio.status_code == 200
    assert audio.mimetype == "audio/mpeg"
    assert audio.data == tone.read_bytes()
    assert int(entry.enclosures[0].length) == len(audio.data)
