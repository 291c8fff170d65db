"""The demo with past airtime (what `make run` and `broadcast demo` load) fills the public listening page."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from broadcast.demo import load_demo
from broadcast.domain.models import AudioRendition
from broadcast.publishing import catalog


def test_the_demo_history_has_audio_so_the_public_page_lists_what_aired(runtime, client):
    with runtime.unit() as s:
        load_demo(s, runtime.settings, today=date(2026, 11, 20), history_days=2)
    with runtime.unit() as s:
        listing = catalog.list_published(s, catalog.find_ward(s, "MOLAO"))
    assert listing.total == 9  # every approved demo bulletin: all in public categories, all aired
    assert all(item.audio_bytes > 1000 and item.duration_ms > 5000 for item in listing.items)
    response = client.get("/nghe/MOLAO/")
    assert response.status_code == 200 and response.get_data(as_text=True).count("<audio") == 9
    audio = client.get(f"/nghe/MOLAO/tin/{listing.items[0].id}.mp3")
    assert audio.status_code == 200 and audio.data[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3")


def test_the_demo_without_history_renders_nothing(runtime, demo):
    with runtime.unit() as s:
        assert s.scalar(select(func.count(AudioRendition.id))) == 0
