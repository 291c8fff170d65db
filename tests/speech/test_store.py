"""The DB layer: operator lexicon, versioning, renditions, invalidation by effect."""

from unittest.mock import patch

import pytest
from sqlalchemy import select

from broadcast.domain.models import AudioRendition, AuditLog, Bulletin
from broadcast.errors import ValidationError
from broadcast.speech import render as render_mod
from broadcast.speech import store


@pytest.fixture
def two_bulletins(session, demo):
    bulletins = session.scalars(select(Bulletin).order_by(Bulletin.id)).all()[:2]
    bulletins[0].body, bulletins[0].spoken_text = "Chỉ số SIPAS của phường tăng.", None
    bulletins[1].body, bulletins[1].spoken_text = "UBND phường thông báo lịch họp.", None
    for b in bulletins:
        b.recording_path = None
    session.flush()
    return bulletins


def test_render_records_and_reuses(session, settings, two_bulletins):
    b = two_bulletins[0]
    row = store.render_bulletin(session, b, settings)
    assert row.engine == "espeak" and row.bulletin_id == b.id and not row.stale
    assert "xi-pát" in row.spoken_text and abs(row.loudness_lufs + 16) <= 1
    with patch.object(render_mod, "synthesize_with_fallback", side_effect=AssertionError("re-rendered")):
        assert store.render_bulletin(session, b, settings).id == row.id


def test_lexicon_change_invalidates_only_affected_audio(session, settings, two_bulletins):
    sipas, ubnd = (store.render_bulletin(session, b, settings) for b in two_bulletins)
    version = store.set_lexicon_entry(session, "SIPAS", "xíp pát")
    assert version == 1 and store.lexicon_version(session) == 1
    assert sipas.stale and not ubnd.stale
    fresh = store.render_bulletin(session, two_bulletins[0], settings)
    assert fresh.id != sipas.id and "xíp pát" in fresh.spoken_text and fresh.lexicon_version == 1
    with patch.object(render_mod, "synthesize_with_fallback", side_effect=AssertionError("re-rendered")):
        assert store.render_bulletin(session, two_bulletins[1], settings).id == ubnd.id
    assert session.scalar(select(AudioRendition).where(AudioRendition.id == fresh.id)).stale is False


def test_full_symbols_setting_rereads_only_bulletins_with_a_symbol(session, settings, two_bulletins):
    two_bulletins[1].body = "Thực hiện Quyết định số 576/QĐ-UBND của UBND phường."
    session.flush()
    plain, symbol = (store.render_bulletin(session, b, settings) for b in two_bulletins)
    assert "năm trăm bảy mươi sáu của ủy ban" in symbol.spoken_text  # read once by default
    assert store.set_full_symbols(session, True) == 1
    assert symbol.stale and not plain.stale
    assert store.set_full_symbols(session, True) == 0  # unchanged: nothing marked, nothing audited twice
    full = store.render_bulletin(session, two_bulletins[1], settings)
    assert full.id != symbol.id and "bảy mươi sáu, quyết định, ủy ban nhân dân của" in full.spoken_text
    audits = session.scalars(select(AuditLog).where(AuditLog.action == "speech.full_symbols")).all()
    assert [a.detail for a in audits] == [{"full_symbols": True, "stale_renditions": 1}]


def test_lexicon_entries_are_validated(session, demo):
    with pytest.raises(ValidationError):
        store.set_lexicon_entry(session, "", "x")
    with pytest.raises(ValidationError):
        store.set_lexicon_entry(session, "ABC", "a 1")
    store.set_lexicon_entry(session, "ABC", "a bê xê")
    assert store.operator_lexicon(session) == {"ABC": "a bê xê"}
    store.delete_lexicon_entry(session, "ABC")
    assert store.operator_lexicon(session) == {} and store.lexicon_version(session) == 2


def test_render_bulletins_batch_records_reuses_and_reports(session, settings, two_bulletins):
    sipas, ubnd = two_bulletins
    first = store.render_bulletin(session, sipas, settings)
    bad = session.scalars(select(Bulletin).order_by(Bulletin.id)).all()[2]
    bad.body, bad.spoken_text, bad.recording_path = "!!! ???", None, None
    session.flush()
    rows = store.render_bulletins(session, [sipas, ubnd, bad], settings, workers=2)
    assert rows[0].id == first.id  # reused, not rendered again
    assert isinstance(rows[1], AudioRendition) and rows[1].bulletin_id == ubnd.id and not rows[1].stale
    assert "ủy ban nhân dân" in rows[1].spoken_text and abs(rows[1].loudness_lufs + 16) <= 1
    assert isinstance(rows[2], ValidationError)
