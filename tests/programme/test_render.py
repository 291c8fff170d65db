"""The renderer interface and the announcement text."""

from __future__ import annotations

from datetime import date

import pytest

from broadcast.errors import ValidationError
from broadcast.programme.render import (
    BatchRenderer,
    Renderer,
    SpeechRenderer,
    date_in_words,
    fill_placeholders,
)

from .conftest import TableRenderer


def test_protocols():
    table = TableRenderer()
    assert isinstance(table, Renderer) and not isinstance(table, BatchRenderer)
    speech = SpeechRenderer(None, None)
    assert isinstance(speech, Renderer) and isinstance(speech, BatchRenderer)

    class NoFiller:
        def bulletin(self, b): ...
        def announcement(self, text, voice=None): ...
        def asset(self, name): ...

    assert not isinstance(NoFiller(), Renderer)  # a filler is part of the interface, not an option


@pytest.mark.parametrize(
    "on, words",
    [
        (date(2026, 11, 22), "ngày hai mươi hai tháng mười một năm hai nghìn không trăm hai mươi sáu"),
        (date(2025, 1, 5), "ngày mồng năm tháng một năm hai nghìn không trăm hai mươi lăm"),
    ],
)
def test_date_in_words(on, words):
    assert date_in_words(on) == words


@pytest.mark.parametrize(
    "text, out",
    [
        ("Đây là {station_name}", "Đây là Đài Mộ Lao"),
        (
            "Hôm nay {weekday}, {date}.",
            "Hôm nay thứ Tư, ngày mồng một tháng mười năm hai nghìn không trăm hai mươi lăm.",
        ),
        ("Không có chỗ thay thế", "Không có chỗ thay thế"),
    ],
)
def test_fill_placeholders(text, out):
    assert fill_placeholders(text, station_name="Đài Mộ Lao", on_date=date(2025, 10, 1)) == out


@pytest.mark.parametrize("text", ["{ten_dai}", "{0}", "{station_name"])
def test_fill_placeholders_refuses_unknown(text):
    with pytest.raises(ValidationError) as err:
        fill_placeholders(text, station_name="X", on_date=date(2025, 10, 1), source="MOLAO.toml", where="slot[1]")
    assert err.value.message.startswith("MOLAO.toml: slot[1]: lời dẫn có chỗ thay thế không hợp lệ")
    assert err.value.field == "slot[1]"


def test_an_announcement_is_read_with_its_slot_voice_else_the_stations(session, settings, monkeypatch):
    asked = []

    class Rendered:
        path, duration_ms = "/tmp/x.mp3", 1000

    def fake_render_text(text, **kw):
        asked.append((kw["engine_names"][0], kw["voice"], kw["settings"].get("speed")))
        return Rendered()

    monkeypatch.setattr("broadcast.programme.render.render_text", fake_render_text)
    station_voice = {"engine": "espeak", "voice": "vi", "speed": 1.1}
    renderer = SpeechRenderer(session, settings, station_voice)
    renderer.announcement("Kính thưa bà con")
    renderer.announcement("Kính thưa bà con", {"engine": "espeak", "voice": "vi-vn-x-south", "speed": 0.9})
    assert asked == [("espeak", "vi", 1.1), ("espeak", "vi-vn-x-south", 0.9)]
