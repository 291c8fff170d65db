"""Characters sent to paid voices are counted per provider and day; a monthly cap takes a provider
out of the chain (the next engine reads) until the month turns or the cap is raised."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from broadcast.config import TtsProvider
from broadcast.domain.models import AuditLog, Bulletin, TtsUsage
from broadcast.errors import ValidationError
from broadcast.speech import store, usage

from .standin import KEY

TEXT = "Ủy ban nhân dân phường thông báo lịch tiêm chủng mở rộng tại trạm y tế."


@pytest.fixture
def fpt_first(settings, stand_in):
    fpt = stand_in("fpt")
    return settings.with_(tts_engines=("fpt", "espeak"), tts_providers={"fpt": TtsProvider(api_key=KEY, url=fpt.url)})


@pytest.fixture
def bulletins(session, demo):
    rows = session.scalars(select(Bulletin).order_by(Bulletin.id)).all()[:2]
    for i, b in enumerate(rows):
        b.body, b.spoken_text, b.recording_path = f"{TEXT} Bản tin {i + 1}.", None, None
    session.flush()
    return rows


def today(settings) -> date:
    return datetime.now(settings.tz).date()


def test_each_paid_rendition_counts_its_characters(session, fpt_first, bulletins):
    first = store.render_bulletin(session, bulletins[0], fpt_first)
    assert first.engine == "fpt"
    store.render_bulletin(session, bulletins[0], fpt_first)  # reused: nothing sent, nothing counted
    (fpt,) = [u for u in usage.usage(session, today(fpt_first)) if u.engine == "fpt"]
    assert fpt.today == fpt.month == len(first.spoken_text) and fpt.cap is None and not fpt.over
    row = session.scalar(select(TtsUsage))
    assert (row.engine, row.requests) == ("fpt", 1)


def test_a_reached_cap_skips_the_provider_and_the_next_engine_reads(session, fpt_first, bulletins):
    first = store.render_bulletin(session, bulletins[0], fpt_first)
    assert usage.set_cap(session, "fpt", str(len(first.spoken_text))) == len(first.spoken_text)
    kept, notes = usage.within_caps(session, fpt_first.tts_engines, today(fpt_first))
    assert kept == ("espeak",) and "FPT.AI đã dùng hết hạn mức tháng" in notes[0]
    second = store.render_bulletin(session, bulletins[1], fpt_first)
    assert second.engine == "espeak"
    usage.set_cap(session, "fpt", "")  # no cap: FPT.AI reads again
    assert usage.within_caps(session, fpt_first.tts_engines, today(fpt_first))[0] == ("fpt", "espeak")
    caps = [a.detail for a in session.scalars(select(AuditLog).where(AuditLog.action == "speech.cap"))]
    assert caps == [{"cap": len(first.spoken_text)}, {"cap": None}]


def test_last_months_characters_do_not_count_against_this_month(session, demo):
    usage.record(session, "zalo", 5000, date(2026, 10, 31))
    usage.record(session, "zalo", 700, date(2026, 11, 2))
    usage.record(session, "zalo", 300, date(2026, 11, 28))
    usage.record(session, "espeak", 999, date(2026, 11, 28))  # free engines are not counted
    usage.set_cap(session, "zalo", "1.000")
    (zalo,) = [u for u in usage.usage(session, date(2026, 11, 28)) if u.engine == "zalo"]
    assert (zalo.today, zalo.month, zalo.cap, zalo.over) == (300, 1000, 1000, True)
    assert session.scalar(select(TtsUsage).where(TtsUsage.engine == "espeak")) is None


@pytest.mark.parametrize(
    "engine,value,message",
    [
        ("fpt", "-5", "Hạn mức phải là số ký tự"),
        ("fpt", "mười nghìn", "Hạn mức phải là số ký tự"),
        ("fpt", "99999999999", "Hạn mức phải là số ký tự"),
        ("espeak", "100", "không phải giọng đọc trả phí"),
    ],
)
def test_bad_caps_are_refused_and_change_nothing(session, demo, engine, value, message):
    with pytest.raises(ValidationError, match=message):
        usage.set_cap(session, engine, value)
    assert usage.cap(session, "fpt") is None
