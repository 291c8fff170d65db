"""The public listening page, bulletin pages, audio (with listen counts) and the embeddable player, without login.

Table-driven over the publishing states of the ``published`` fixture: only
approved, aired, public bulletins of the ward show, and every other request
gets the same 404.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import lxml.html
import pytest
from sqlalchemy import func, select

from broadcast.domain.models import Department, Listen, Station, User, Ward
from broadcast.publishing import catalog
from tests.published import OTHER_WARD, WARD, add_airing, add_bulletin, add_rendition
from web.public import cache

ALL_STATES = ("public", "chosen_public", "private_default", "turned_off", "not_aired", "withdrawn", "other_ward")
SHOWN = ("public", "chosen_public")


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def html(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def listed_ids(response) -> list[int]:
    return [int(a.get("id").removeprefix("tin-")) for a in html(response).xpath("//article/*[@class='item-title']")]


def listens(runtime) -> dict[tuple[int, str], int]:
    with runtime.unit() as s:
        rows = s.execute(
            select(Listen.bulletin_id, Listen.channel, func.sum(Listen.count)).group_by(
                Listen.bulletin_id, Listen.channel
            )
        )
        return {(b, c): n for b, c, n in rows}


def test_the_page_lists_exactly_the_published_bulletins_without_login(client, published):
    response = client.get(f"/nghe/{WARD}/")
    assert response.status_code == 200
    ids = listed_ids(response)
    for state in ALL_STATES:
        for bid in published[state]:
            assert (bid in ids) == (state in SHOWN), state
    assert len(ids) == len(set(ids))


def test_items_are_grouped_by_local_day_then_category_cchc_first(client, published):
    doc = html(client.get(f"/nghe/{WARD}/"))
    days = doc.xpath("//section[@class='day']")
    # First airings 23:30 UTC on the 20th, 21st, 22nd: 06:30 in Hà Nội on the next day.
    assert [d.xpath("h2")[0].text_content() for d in days] == [
        "Thứ Hai, 23/11/2026",
        "Chủ nhật, 22/11/2026",
        "Thứ Bảy, 21/11/2026",
    ]
    first_day = [
        (g.xpath("h3")[0].text_content(), len(g.xpath("article"))) for g in days[2].xpath("section[@class='group']")
    ]
    assert first_day == [("CCHC: Cải cách thủ tục hành chính", 1), ("Thông báo", 1)]
    item = days[2].xpath(".//article")[0]
    assert item.xpath("*[@class='item-title']")[0].text_content() == "Thủ tục cấp căn cước trực tuyến"
    assert "06:30 Thứ Bảy, 21/11/2026" in item.xpath("p[@class='meta']")[0].text_content()
    assert "Văn hóa - Thông tin" in item.xpath("p[@class='meta']")[0].text_content()
    audio = item.xpath("audio")[0]
    assert audio.get("preload") == "none" and audio.get("controls") is not None
    assert audio.get("src") == f"/nghe/{WARD}/tin/{published['public'][0]}.mp3?kenh=page"
    assert "Nội dung phát trên loa phường" in item.xpath("details/div[@class='text']")[0].text_content()
    assert item.xpath("p[@class='share']/a")[0].get("href") == f"/nghe/{WARD}/tin/{published['public'][0]}"


def test_the_page_is_accessible_and_links_the_feeds(client, published):
    doc = html(client.get(f"/nghe/{WARD}/"))
    assert doc.get("lang") == "vi"
    assert doc.xpath("//a[@class='skip']")[0].get("href") == "#main" and doc.xpath("//main[@id='main']")
    for field in doc.xpath("//form//input[not(@type='hidden')] | //form//select"):
        assert doc.xpath(f"//label[@for='{field.get('id')}']"), field.get("name")
    feeds = [link.get("href") for link in doc.xpath("//link[@rel='alternate'][@type='application/rss+xml']")]
    assert f"http://localhost/nghe/{WARD}/podcast.xml" in feeds
    assert not doc.xpath("//script")  # nothing to run on a cheap phone


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"chuyen-muc": "cchc"}, ["public:0"]),
        ({"chuyen-muc": "phap-luat"}, ["public:1"]),
        ({"chuyen-muc": "thong-bao"}, ["chosen_public:0"]),
        ({"chuyen-muc": "thien-tai"}, []),
        ({"q": "căn cước"}, ["public:0"]),
        ({"q": "tiêm chủng"}, ["public:2"]),  # "Tiêm chủng…": case-blind
        ({"q": "giấy tờ bị rơi"}, []),  # private by default: not found by search either
        ({"q": "đất đai", "chuyen-muc": "cchc"}, []),
    ],
)
def test_filter_and_search(client, published, query, expected):
    response = client.get(f"/nghe/{WARD}/", query_string=query)
    assert response.status_code == 200
    wanted = [published[key.split(":")[0]][int(key.split(":")[1])] for key in expected]
    assert sorted(listed_ids(response)) == sorted(wanted)
    if not expected:
        assert "Chưa có tin nào phù hợp." in response.get_data(as_text=True)


def air_news(runtime, mp3, count: int, when: datetime) -> list[int]:
    """``count`` more aired "thoi-su" bulletins of the ward, a minute apart from ``when``; their ids."""
    ids = []
    with runtime.unit() as s:
        station = s.scalar(select(Station).where(Station.code == "MOLAO"))
        department = s.scalar(select(Department).where(Department.code == "VHTT"))
        author = s.scalar(select(User).where(User.username == "vanhoa"))
        for n in range(count):
            b = add_bulletin(
                s, f"Tin thời sự số {n + 1}", "thoi-su", department, author, body="Tin thời sự trong phường."
            )
            add_rendition(s, b, mp3)
            add_airing(s, b, station, when + timedelta(minutes=n))
            ids.append(b.id)
    return ids


def test_paging(client, runtime, published, mp3_tone):
    news = air_news(runtime, mp3_tone, catalog.PER_PAGE, datetime(2026, 11, 24, 1, tzinfo=UTC))
    first, second = client.get(f"/nghe/{WARD}/"), client.get(f"/nghe/{WARD}/?trang=2")
    assert sorted(listed_ids(first)) == sorted(news)
    assert sorted(listed_ids(second)) == sorted(published["public"] + published["chosen_public"])
    assert html(first).xpath("//a[@rel='next']")[0].get("href") == f"/nghe/{WARD}/?trang=2"
    assert html(second).xpath("//a[@rel='prev']")[0].get("href") == f"/nghe/{WARD}/?trang=1"
    assert not html(second).xpath("//a[@rel='next']")
    filtered = client.get(f"/nghe/{WARD}/?chuyen-muc=thoi-su&trang=1")
    assert len(listed_ids(filtered)) == catalog.PER_PAGE and not html(filtered).xpath("//a[@rel='next']")
    assert client.get(f"/nghe/{WARD}/?trang=3").status_code == 404


def meta(doc, name: str) -> str:
    found = doc.xpath(f"//meta[@property='{name}' or @name='{name}']")
    assert found, name
    return found[0].get("content")


def test_the_bulletin_page_has_open_graph_tags_with_absolute_urls(client, published):
    bid = published["public"][1]
    response = client.get(f"/nghe/{WARD}/tin/{bid}")
    assert response.status_code == 200
    doc = html(response)
    assert doc.xpath("//h1")[0].text_content() == "Luật Đất đai sửa đổi có hiệu lực"
    assert meta(doc, "og:title") == "Luật Đất đai sửa đổi có hiệu lực"
    assert meta(doc, "og:type") == "article"
    assert meta(doc, "og:site_name") == "Phường Mộ Lao"
    assert meta(doc, "og:url") == f"http://localhost/nghe/{WARD}/tin/{bid}"
    assert meta(doc, "og:audio") == f"http://localhost/nghe/{WARD}/tin/{bid}.mp3"
    assert meta(doc, "og:description").startswith("Luật Đất đai sửa đổi có hiệu lực. Nội dung")
    assert meta(doc, "twitter:card") == "summary"
    assert doc.xpath("//link[@rel='canonical']")[0].get("href") == f"http://localhost/nghe/{WARD}/tin/{bid}"
    text = doc.xpath("//article/p[@class='meta']")[0].text_content()
    assert "Phổ biến pháp luật" in text and "Văn hóa - Thông tin" in text and "22/11/2026" in text


def test_a_long_text_is_cut_for_the_description(client, runtime, published, mp3_tone):
    from web.public.pages import summary

    long = "Bà con lưu ý lịch tiêm chủng " * 30
    assert len(summary(long)) <= 201 and summary(long).endswith("…")
    assert summary("Ngắn gọn.") == "Ngắn gọn."


def test_audio_is_served_and_a_listen_counted_once_per_listener_and_day(client, runtime, published, mp3_tone):
    bid = published["public"][0]
    url = f"/nghe/{WARD}/tin/{bid}.mp3"
    first = client.get(url, headers={"User-Agent": "phone-a"})
    assert first.status_code == 200 and first.mimetype == "audio/mpeg"
    assert first.data == mp3_tone.read_bytes()
    assert "public" in first.headers["Cache-Control"]
    assert client.get(url, headers={"User-Agent": "phone-a"}).status_code == 200
    assert listens(runtime) == {(bid, "page"): 1}
    seek = client.get(url, headers={"User-Agent": "phone-b", "Range": "bytes=100-"})
    assert seek.status_code == 206 and seek.data == mp3_tone.read_bytes()[100:]
    assert listens(runtime) == {(bid, "page"): 1}  # seeking is not a play
    assert client.get(url, headers={"User-Agent": "phone-b", "Range": "bytes=0-"}).status_code == 206
    assert client.get(url + "?kenh=embed", headers={"User-Agent": "phone-b"}).status_code == 200
    assert client.head(url, headers={"User-Agent": "phone-c"}).status_code == 200
    assert listens(runtime) == {(bid, "page"): 2, (bid, "embed"): 1}


def test_the_embed_may_be_framed_by_the_listed_origins_only(client, runtime, published):
    with runtime.unit() as s:
        ward = s.scalar(select(Ward).where(Ward.code == WARD))
        ward.embed_origins = ["https://molao.hadong.hanoi.gov.vn", "http://127.0.0.1:8123"]
    response = client.get(f"/nghe/{WARD}/nhung")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://molao.hadong.hanoi.gov.vn http://127.0.0.1:8123;" in csp
    assert "X-Frame-Options" not in response.headers
    again = client.get(f"/nghe/{WARD}/nhung", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and "X-Frame-Options" not in again.headers
    doc = html(response)
    assert [a.get("src").endswith("?kenh=embed") for a in doc.xpath("//audio")] == [True] * 4
    more = doc.xpath("//a[@target='_blank']")[0]
    assert more.text_content() == "Nghe thêm" and more.get("href") == f"http://localhost/nghe/{WARD}/"
    for other in ("/login", f"/nghe/{WARD}/", f"/nghe/{WARD}/tin/{published['public'][0]}"):
        denied = client.get(other)
        assert "frame-ancestors 'none'" in denied.headers["Content-Security-Policy"], other
        assert denied.headers["X-Frame-Options"] == "DENY", other


def test_the_embed_without_listed_origins_is_framed_by_this_site_only(client, published):
    csp = client.get(f"/nghe/{WARD}/nhung").headers["Content-Security-Policy"]
    assert "frame-ancestors 'self';" in csp


def test_a_stored_origin_cannot_add_a_directive(client, runtime, published):
    with runtime.unit() as s:
        s.scalar(select(Ward).where(Ward.code == WARD)).embed_origins = ["https://a.vn; script-src *", "https://b.vn"]
    csp = client.get(f"/nghe/{WARD}/nhung").headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://b.vn;" in csp and "script-src *" not in csp


def _gone(client, url):
    response = client.get(url)
    assert response.status_code == 404, url
    return response.get_data(as_text=True)


@pytest.mark.parametrize("state", ["private_default", "turned_off", "not_aired", "withdrawn", "other_ward"])
def test_a_bulletin_not_published_here_is_the_same_404_as_none(client, published, state):
    bid = published[state][0]
    nothing = _gone(client, f"/nghe/{WARD}/tin/99999")
    assert _gone(client, f"/nghe/{WARD}/tin/{bid}") == nothing
    assert _gone(client, f"/nghe/{WARD}/tin/{bid}.mp3") == nothing
    assert catalog.GONE in nothing


@pytest.mark.parametrize(
    "url",
    [
        "/nghe/KHONGCO/",
        "/nghe/KHONGCO/nhung",
        f"/nghe/{WARD}/?chuyen-muc=khong-co",
        f"/nghe/{WARD}/?trang=abc",
        f"/nghe/{WARD}/?trang=0",
        f"/nghe/{WARD}/?trang=2",
        f"/nghe/{WARD}/?q=" + "a" * 101,
        f"/nghe/{WARD}/tin/abc",
        f"/nghe/{WARD}/khong-co/trang",
        "/nghe/",
        "/nghe/{WARD}/tin/{bid}.mp3?kenh=radio",
        f"/nghe/{OTHER_WARD}/tin/{{bid}}",
    ],
)
def test_bad_input_is_the_same_404(client, published, url):
    nothing = _gone(client, f"/nghe/{WARD}/tin/99999")
    assert _gone(client, url.format(WARD=WARD, bid=published["public"][0])) == nothing


def test_a_newly_aired_bulletin_shows_once_the_cache_is_cleared(client, runtime, published, mp3_tone):
    assert runtime.settings.public_cache_s > 0
    before = listed_ids(client.get(f"/nghe/{WARD}/"))
    (new_id,) = air_news(runtime, mp3_tone, 1, datetime(2026, 11, 25, 1, tzinfo=UTC))
    assert listed_ids(client.get(f"/nghe/{WARD}/")) == before  # served from memory
    cache.clear()
    assert listed_ids(client.get(f"/nghe/{WARD}/"))[0] == new_id


def test_a_flood_gets_429_in_vietnamese(runtime, published):
    from broadcast.runtime import Runtime
    from web import create_app, limiter

    limited = Runtime(runtime.settings.with_(public_rate_limit="3 per minute"), runtime.engine)
    app = create_app(limited, config={"TESTING": True, "RATELIMIT_ENABLED": True})
    with app.app_context():
        limiter.reset()
    client = app.test_client()
    # One budget across the public URLs: a flood spread over page, feed and bulletin is still a flood.
    urls = [f"/nghe/{WARD}/", f"/nghe/{WARD}/podcast.xml", f"/nghe/{WARD}/tin/{published['public'][0]}"]
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    response = client.get(urls[0])
    assert response.status_code == 429
    assert "Có quá nhiều yêu cầu từ máy của bạn" in response.get_data(as_text=True)
    assert "/nghe/" not in response.get_data(as_text=True)
