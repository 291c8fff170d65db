"""A voice per station, overridable per bulletin: the choice is checked, goes first in the chain, and
renditions follow it (another voice is another file; the same voice is reused)."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from sqlalchemy import select

from broadcast.domain.models import AudioRendition, AuditLog, Bulletin, Station
from broadcast.errors import ValidationError
from broadcast.programme.render import SpeechRenderer
from broadcast.speech import render as render_mod
from broadcast.speech import store
from broadcast.speech.voices import chain_for, check_choice, label, set_station_voice

SOUTH = {"engine": "espeak", "voice": "vi-vn-x-south", "speed": 1.1}


@pytest.mark.parametrize(
    "raw,expected",
    [
        (None, None),
        ("", None),
        ({"engine": "espeak", "voice": "vi-vn-x-south", "speed": "1,1"}, SOUTH),
        ({"engine": "espeak", "voice": "vi-vn-x-south", "speed": 1.1}, SOUTH),
        ({"engine": "fpt", "voice": "banmai"}, {"engine": "fpt", "voice": "banmai", "speed": 1.0}),
    ],
)
def test_good_choices(raw, expected):
    assert check_choice(raw) == expected


@pytest.mark.parametrize(
    "raw,field,message",
    [
        ({"engine": "espeak", "voice": "khong-co"}, "voice", "Không có giọng “khong-co” của bộ đọc “espeak”"),
        ({"engine": "festival", "voice": "vi"}, "voice", "Không có giọng"),
        ({"engine": "espeak", "voice": "vi", "speed": 2}, "speed", "Tốc độ đọc phải từ 0,8 đến 1,2"),
        ({"engine": "espeak", "voice": "vi", "speed": "nhanh"}, "speed", "Tốc độ đọc"),
        ({"engine": "espeak", "voice": "vi", "speed": float("nan")}, "speed", "Tốc độ đọc"),
        (["espeak", "vi"], "voice", "Giọng đọc phải gồm"),
    ],
)
def test_bad_choices_are_one_clear_sentence(raw, field, message):
    with pytest.raises(ValidationError, match=message) as err:
        check_choice(raw)
    assert err.value.field == field


def test_the_chosen_engine_goes_first_and_the_others_stay_behind_it():
    assert chain_for(None, ("gtts", "espeak")) == ("gtts", "espeak")
    assert chain_for({"engine": "fpt", "voice": "banmai", "speed": 1}, ("gtts", "espeak")) == ("fpt", "gtts", "espeak")
    assert chain_for(SOUTH, ("gtts", "espeak")) == ("espeak", "gtts")
    assert label(SOUTH) == "espeak · vi-vn-x-south · tốc độ 1,1" and label(None) == "giọng mặc định"


@pytest.fixture
def bulletin(session, demo):
    b = session.scalars(select(Bulletin).order_by(Bulletin.id)).first()
    b.body, b.spoken_text, b.recording_path = "Ủy ban nhân dân phường thông báo lịch tiếp công dân.", None, None
    session.flush()
    return b


def test_station_voice_reads_its_bulletins_and_a_bulletins_own_voice_wins(session, settings, bulletin):
    station = session.scalar(select(Station).where(Station.code == "MOLAO"))
    set_station_voice(session, station, SOUTH)
    renderer = SpeechRenderer(session, settings, voice=station.voice)
    south = session.get(AudioRendition, renderer.bulletin(bulletin).rendition_id)
    assert (south.engine, south.voice) == ("espeak", "vi-vn-x-south")
    with patch.object(render_mod, "synthesize_with_fallback", side_effect=AssertionError("re-rendered")):
        assert renderer.bulletin(bulletin).rendition_id == south.id  # the same voice: reused
    bulletin.voice = {"engine": "espeak", "voice": "vi-vn-x-central", "speed": 1.0}
    central = session.get(AudioRendition, renderer.bulletin(bulletin).rendition_id)
    assert central.voice == "vi-vn-x-central" and central.id != south.id
    audits = session.scalars(select(AuditLog).where(AuditLog.action == "station.voice")).all()
    assert [a.detail["new"] for a in audits] == [SOUTH]


def test_a_chosen_voice_that_cannot_read_falls_back_to_the_next_engine(session, settings, bulletin):
    choice = {"engine": "fpt", "voice": "banmai", "speed": 1.0}  # no key configured in the suite
    row = store.render_bulletin(session, bulletin, settings, station_voice=choice)
    assert row.engine == "espeak"
