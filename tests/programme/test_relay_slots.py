"""Relay slots: station-file validation, the named source resolved at build time, the fallback readied."""

from __future__ import annotations

from datetime import timedelta

import pytest

from broadcast.config import PROJECT_ROOT
from broadcast.domain.models import SessionTemplate, Station, UpstreamSource
from broadcast.errors import ValidationError
from broadcast.programme.build import build_day
from broadcast.programme.templates import TemplateError, parse_station_file

from .conftest import TableRenderer, next_weekday

ASSETS = PROJECT_ROOT / "audio_assets"

FILE = """
[station]
code = "THU"
name = "Đài thử"

[[session]]
code = "sang"
start = "06:00"
days = ["mon", "tue", "wed", "thu", "fri"]
max_minutes = 30
  [[session.slot]]
  kind = "relay"
  {relay}
"""


def parse(tmp_path, relay: str):
    path = tmp_path / "THU.toml"
    path.write_text(FILE.format(relay=relay), encoding="utf-8")
    return parse_station_file(path, ASSETS)


def test_a_relay_slot_is_read_with_its_fallback(tmp_path):
    sdef = parse(tmp_path, 'source = "VOV1"\n  minutes = 15\n  fallback = "nhac-nen.mp3"')
    (slot,) = sdef.sessions[0].slots
    assert slot["kind"] == "relay" and slot["source"] == "VOV1" and slot["minutes"] == 15
    assert slot["fallback"] == "nhac-nen.mp3"
    sdef = parse(tmp_path, 'url = "http://127.0.0.1:8000/vov1"\n  minutes = 0.5')
    assert sdef.sessions[0].slots[0]["fallback"] == "skip"  # the default: the session goes on


@pytest.mark.parametrize(
    ("relay", "field", "words"),
    [
        ('minutes = 15\n  fallback = "skip"', "slot[0]", "đúng một trong 'url' hoặc 'source'"),
        ('url = "http://a/b"\n  source = "VOV1"\n  minutes = 15', "slot[0]", "đúng một trong"),
        ('url = "file:///etc/passwd"\n  minutes = 15', "slot[0].url", "http:// hoặc https://"),
        ('url = "rtsp://cam/x"\n  minutes = 15', "slot[0].url", "http:// hoặc https://"),
        ('source = "VOV1"\n  minutes = 0', "slot[0].minutes", "số phút"),
        ('source = "VOV1"\n  minutes = "15"', "slot[0].minutes", "số phút"),
        ('source = "VOV1"\n  minutes = 500', "slot[0].minutes", "số phút"),
        ('source = "VOV1"\n  minutes = 15\n  fallback = "khong-co.mp3"', "slot[0].fallback", "không thấy tệp"),
        ('source = "VOV1"\n  minutes = 15\n  fallback = "../x.mp3"', "slot[0].fallback", "không thấy tệp"),
        ('source = "VOV1"\n  minutes = 15\n  fallback = " "', "slot[0].fallback", "để trống"),
        ('source = "VOV1"\n  minutes = 40', "max_minutes", "vượt thời lượng"),
        ('source = "VOV1"\n  minutes = 15\n  record = "yes"', "slot[0].record", "true hoặc false"),
    ],
)
def test_bad_relay_slots_name_the_file_and_field(tmp_path, relay, field, words):
    with pytest.raises(TemplateError) as err:
        parse(tmp_path, relay)
    assert err.value.message.startswith("THU.toml: ") and field in err.value.message and words in err.value.message


def add_relay_session(session, slots, *, minutes=30):
    station = session.query(Station).filter_by(code="MOLAO").one()
    session.add(
        SessionTemplate(
            station_id=station.id,
            code="tiepsong",
            name="Tiếp sóng",
            start_time=__import__("datetime").time(5, 30),
            days="12345",
            max_duration_s=minutes * 60,
            slots=slots,
            source_file="MOLAO.toml",
        )
    )
    session.flush()


def test_build_resolves_the_named_source_and_readies_the_fallback(session, settings, demo, today):
    session.add(UpstreamSource(code="VOV1", name="VOV1 – Thời sự", url="http://127.0.0.1:9/vov1", category="national"))
    add_relay_session(
        session,
        [
            {"kind": "asset", "file": "nhac-hieu.mp3", "where": "slot[0]"},
            {
                "kind": "relay",
                "source": "vov1",  # codes resolve case-blind
                "minutes": 15,
                "fallback": "nhac-nen.mp3",
                "where": "slot[1]",
                "record": True,
            },
            {
                "kind": "relay",
                "url": "http://127.0.0.1:9/tinh",
                "minutes": 10,
                "where": "slot[2]",
                "fallback": "Chương trình tiếp sóng tạm gián đoạn, mời bà con nghe bản tin của {station_name}.",
            },
        ],
    )
    day = next_weekday(today + timedelta(days=1), 3)
    renderer = TableRenderer(assets={"nhac-nen.mp3": 5_000})
    progs = build_day(session, settings, "MOLAO", day, renderer=renderer, today=today)
    prog = next(p for p in progs if p.session_code == "tiepsong")
    kinds = [i.kind for i in prog.items]
    assert kinds == ["asset", "relay", "relay"]
    vov, tinh = prog.items[1], prog.items[2]
    assert vov.duration_ms == 15 * 60_000 and vov.title == "Tiếp sóng VOV1 – Thời sự"
    assert vov.relay == {
        "url": "http://127.0.0.1:9/vov1",
        "upstream": "VOV1 – Thời sự",
        "source": "VOV1",
        "category": "national",
        "fallback": "asset",
        "record": True,
    }
    assert tinh.relay["fallback"] == "announcement" and tinh.relay["source"] is None
    assert "Đài truyền thanh phường Mộ Lao" in tinh.text  # the placeholder filled in
    assert tinh.planned_start - vov.planned_start == timedelta(minutes=15)


@pytest.mark.parametrize(("enabled", "words"), [(None, "không có nguồn tiếp sóng mã 'VOV1'"), (False, "đang tắt")])
def test_an_unknown_or_disabled_source_is_a_clear_build_error(session, settings, demo, today, enabled, words):
    if enabled is not None:
        session.add(UpstreamSource(code="VOV1", name="VOV1", url="http://x/vov1", enabled=enabled))
    add_relay_session(session, [{"kind": "relay", "source": "VOV1", "minutes": 5, "where": "slot[0]"}])
    day = next_weekday(today + timedelta(days=1), 3)
    with pytest.raises(ValidationError) as err:
        build_day(session, settings, "MOLAO", day, renderer=TableRenderer(), today=today)
    assert "MOLAO.toml: session 'tiepsong' slot[0].source" in err.value.message and words in err.value.message


# ---------------------------------------------------------------- an announcement slot's own voice


ANNOUNCEMENT = """
[station]
code = "THU"
name = "Đài thử"

[[session]]
code = "sang"
start = "06:00"
days = ["mon"]
max_minutes = 10
  [[session.slot]]
  kind = "announcement"
  text = "Kính thưa bà con"
  {voice}
"""


def test_an_announcement_slot_may_have_its_own_voice(tmp_path):
    path = tmp_path / "THU.toml"
    path.write_text(
        ANNOUNCEMENT.format(voice='voice = { engine = "espeak", voice = "vi-vn-x-south", speed = 0.9 }'),
        encoding="utf-8",
    )
    (slot,) = parse_station_file(path, ASSETS).sessions[0].slots
    assert slot["voice"] == {"engine": "espeak", "voice": "vi-vn-x-south", "speed": 0.9}
    path.write_text(ANNOUNCEMENT.format(voice='voice = { engine = "espeak", voice = "klingon" }'), encoding="utf-8")
    with pytest.raises(TemplateError) as err:
        parse_station_file(path, ASSETS)
    assert "slot[0].voice" in err.value.message and "Không có giọng “klingon”" in err.value.message


def test_the_build_reads_the_announcement_with_its_slot_voice(session, settings, demo, today):
    south = {"engine": "espeak", "voice": "vi-vn-x-south", "speed": 1.0}
    add_relay_session(
        session,
        [
            {"kind": "announcement", "text": "Lời chào", "voice": south, "where": "slot[0]"},
            {"kind": "announcement", "text": "Lời kết", "where": "slot[1]"},
        ],
    )
    renderer = TableRenderer()
    build_day(session, settings, "MOLAO", next_weekday(today + timedelta(days=1), 3), renderer=renderer, today=today)
    assert south in renderer.voices and None in renderer.voices
