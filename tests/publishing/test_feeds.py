"""The podcast feed document: what it lists, its podcast tags, and GUIDs that never move."""

from __future__ import annotations

import feedparser

from broadcast.domain.models import Bulletin
from broadcast.publishing import catalog, feeds
from tests.published import WARD

BASE = "https://loa.example.vn/nghe/MOLAO"


def _build(runtime, category=None) -> feeds.Feed:
    with runtime.unit() as s:
        ward = catalog.find_ward(s, WARD)
        return feeds.ward_feed(
            s,
            ward,
            category=category,
            link=f"{BASE}/",
            feed_url=f"{BASE}/podcast.xml",
            audio_url=lambda bid: f"{BASE}/tin/{bid}.mp3?kenh=podcast",
            page_url=lambda bid: f"{BASE}/tin/{bid}",
        )


def _parse(feed: feeds.Feed):
    parsed = feedparser.parse(feed.body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def _id_of(entry) -> int:
    return int(entry.id.rsplit(":", 1)[1])


def test_the_feed_lists_the_published_bulletins_newest_first_with_their_audio(runtime, published, mp3_tone):
    parsed = _parse(_build(runtime))
    assert parsed.version == "rss20"
    ids = [_id_of(e) for e in parsed.entries]
    assert sorted(ids) == sorted(published["public"] + published["chosen_public"])
    aired = [e.published_parsed for e in parsed.entries]
    assert aired == sorted(aired, reverse=True)
    size = mp3_tone.stat().st_size
    for entry in parsed.entries:
        bid = _id_of(entry)
        assert entry.id == f"loaphuong:{WARD}:bulletin:{bid}"
        assert entry.guidislink is False
        assert entry.link == f"{BASE}/tin/{bid}"
        (enclosure,) = entry.enclosures
        assert enclosure.href == f"{BASE}/tin/{bid}.mp3?kenh=podcast"
        assert enclosure.type == "audio/mpeg"
        assert int(enclosure.length) == size > 0
        assert entry.itunes_duration == "0:00:01"
        assert entry.summary.endswith("Nội dung phát trên loa phường để bà con nắm được.")


def test_channel_carries_the_podcast_tags_and_no_artwork_when_there_is_none(runtime, published):
    feed = _build(runtime)
    parsed = _parse(feed)
    channel = parsed.feed
    with runtime.unit() as s:
        ward_name = catalog.find_ward(s, WARD).name
    assert channel.title == f"Loa Phường — {ward_name}"
    assert channel.language == "vi"
    assert ward_name in channel.subtitle
    assert channel.link == f"{BASE}/"
    assert any(link.rel == "self" and link.href == f"{BASE}/podcast.xml" for link in channel.links)
    assert channel.author == ward_name
    assert channel.tags[0].term == "Government"
    assert "image" not in channel
    body = feed.body.decode()
    assert "<itunes:explicit>no</itunes:explicit>" in body
    assert "itunes:image" not in body
    newest = max(e.published_parsed for e in parsed.entries)
    assert feed.last_modified.utctimetuple()[:6] == newest[:6]
    assert channel.updated_parsed == newest  # lastBuildDate follows the content, not the clock


def test_guids_and_bytes_are_stable_across_builds_and_a_title_edit(runtime, published):
    first = _build(runtime)
    assert _build(runtime).body == first.body  # same content, same bytes: the ETag holds
    edited = published["public"][0]
    with runtime.unit() as s:
        s.get(Bulletin, edited).title = "Thủ tục cấp căn cước trực tuyến (cập nhật)"
    after = _parse(_build(runtime))
    before = {_id_of(e): e.id for e in _parse(first).entries}
    assert {_id_of(e): e.id for e in after.entries} == before
    titles = {_id_of(e): e.title for e in after.entries}
    assert titles[edited] == "Thủ tục cấp căn cước trực tuyến (cập nhật)"


def test_a_column_feed_has_only_its_items(runtime, published):
    cchc = _parse(_build(runtime, category="cchc"))
    assert cchc.feed.title.startswith("Chuyên mục cải cách hành chính — ")
    assert [e.title for e in cchc.entries] == ["Thủ tục cấp căn cước trực tuyến"]
    law = _parse(_build(runtime, category="phap-luat"))
    assert law.feed.title.startswith("Phổ biến pháp luật — ")
    assert [e.title for e in law.entries] == ["Luật Đất đai sửa đổi có hiệu lực"]
    assert [t.term for t in law.entries[0].tags] == ["Phổ biến pháp luật"]


def test_an_empty_feed_is_valid_and_has_no_last_modified(runtime, published):
    feed = _build(runtime, category="thien-tai")  # its only bulletin never aired
    parsed = _parse(feed)
    assert parsed.entries == []
    assert feed.last_modified is None and feed.items == 0
    assert _build(runtime, category="thien-tai").body == feed.body


def test_the_feed_keeps_only_the_newest_items(runtime, published, monkeypatch):
    assert feeds.MAX_ITEMS == 100
    monkeypatch.setattr(feeds, "MAX_ITEMS", 2)
    parsed = _parse(_build(runtime))
    assert [e.title for e in parsed.entries] == ["Tiêm chủng mở rộng tháng 12", "Luật Đất đai sửa đổi có hiệu lực"]
