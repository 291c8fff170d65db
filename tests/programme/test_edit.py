"""Operator edits: reorder, remove, insert, lock; each re-timed and audited."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select

from broadcast.domain.models import AuditLog, User
from broadcast.errors import Conflict, NotFound, ValidationError
from broadcast.programme import edit
from broadcast.programme.build import build_day, day_dict

from .conftest import TableRenderer, next_weekday


@pytest.fixture
def built(session, settings, demo, today):
    on = next_weekday(today + timedelta(days=1), 1)
    progs = build_day(session, settings, "MOLAO", on, renderer=TableRenderer(default_ms=30_000), today=today)
    return progs[0]


@pytest.fixture
def operator(session):
    return session.scalar(select(User).where(User.username == "vanhanh"))


def order(p):
    return [i.title for i in sorted(p.items, key=lambda i: i.position)]


def check_timing(p):
    items = sorted(p.items, key=lambda i: i.position)
    assert [i.position for i in items] == list(range(1, len(items) + 1))
    assert items[0].planned_start == p.starts_at
    for a, b in itertools.pairwise(items):
        assert b.planned_start - a.planned_start == timedelta(milliseconds=a.duration_ms)


def last_audit(session):
    return session.scalar(select(AuditLog).order_by(AuditLog.id.desc()))


def test_move_up_down_and_to_a_position(session, settings, built, operator):
    before = order(built)
    third = next(i for i in built.items if i.position == 3)
    edit.move_step(session, settings, built.id, third.id, -1, actor=operator)
    assert order(built)[1] == before[2] and order(built)[2] == before[1]
    check_timing(built)
    row = last_audit(session)
    assert row.action == "programme.item.move" and row.username == "vanhanh" and row.detail["from"] == 3
    edit.move_item(session, settings, built.id, third.id, 99, actor=operator)  # clamped to the end
    assert order(built)[-1] == before[2]
    check_timing(built)


def test_remove_and_insert(session, settings, built, operator, make_bulletin):
    victim = next(i for i in built.items if i.kind == "bulletin")
    edit.remove_item(session, settings, built.id, victim.id, actor=operator)
    assert victim.title not in order(built)
    check_timing(built)
    assert last_audit(session).action == "programme.item.remove"
    extra = make_bulletin("Tin chèn tay")
    edit.insert_bulletin(
        session, settings, built.id, extra.id, position=3, renderer=TableRenderer(default_ms=45_000), actor=operator
    )
    assert order(built)[2] == "Tin chèn tay"
    check_timing(built)
    assert last_audit(session).detail["bulletin_id"] == extra.id


@pytest.mark.parametrize(
    "kw, words",
    [
        ({"status": "submitted"}, "chưa được duyệt"),
        ({"valid_until": "past"}, "chỉ phát từ"),
    ],
)
def test_insert_refuses_what_may_not_air(session, settings, built, make_bulletin, kw, words):
    if kw.get("valid_until") == "past":
        kw = {"valid_until": built.on_date - timedelta(days=1)}
    b = make_bulletin("Không được", **kw)
    with pytest.raises(ValidationError, match=words):
        edit.insert_bulletin(session, settings, built.id, b.id, renderer=TableRenderer())


def test_insert_refuses_a_duplicate(session, settings, built):
    present = next(i for i in built.items if i.kind == "bulletin")
    with pytest.raises(ValidationError, match="đã có trong buổi"):
        edit.insert_bulletin(session, settings, built.id, present.bulletin_id, renderer=TableRenderer())


def test_over_length_after_an_insert_is_warned(session, settings, built, make_bulletin):
    b = make_bulletin("Rất dài")
    edit.insert_bulletin(session, settings, built.id, b.id, renderer=TableRenderer(default_ms=20 * 60_000))
    assert any(w["code"] == "over_length" for w in built.warnings)
    edit.remove_item(session, settings, built.id, next(i.id for i in built.items if i.bulletin_id == b.id))
    assert not any(w["code"] == "over_length" for w in built.warnings)


def test_locked_refuses_edits_until_unlocked(session, settings, built, operator):
    edit.set_locked(session, settings, built.id, True, actor=operator)
    assert last_audit(session).action == "programme.lock"
    item = built.items[0]
    for call in (
        lambda: edit.move_step(session, settings, built.id, item.id, 1),
        lambda: edit.remove_item(session, settings, built.id, item.id),
    ):
        with pytest.raises(Conflict, match="đã khóa"):
            call()
    edit.set_locked(session, settings, built.id, False, actor=operator)
    assert last_audit(session).action == "programme.unlock"
    edit.move_step(session, settings, built.id, item.id, 1)


def test_unknown_programme_or_item(session, settings, built):
    with pytest.raises(NotFound):
        edit.remove_item(session, settings, 99999, 1)
    with pytest.raises(NotFound):
        edit.remove_item(session, settings, built.id, 99999)


def test_insert_a_relay_from_a_named_source(session, settings, built, operator):
    from broadcast.domain.models import UpstreamSource

    session.add(UpstreamSource(code="VOV1", name="VOV1 – Thời sự", url="http://127.0.0.1:9/vov1", category="national"))
    p = edit.insert_relay(
        session,
        settings,
        built.id,
        {"source": "vov1", "minutes": "2,5", "fallback": "nhac-nen.mp3"},
        position=2,
        renderer=TableRenderer(assets={"nhac-nen.mp3": 5_000}),
        actor=operator,
    )
    relay = next(i for i in p.items if i.kind == "relay")
    assert relay.position == 2 and relay.duration_ms == 150_000 and relay.title == "Tiếp sóng VOV1 – Thời sự"
    assert relay.relay["url"] == "http://127.0.0.1:9/vov1" and relay.relay["fallback"] == "asset"
    check_timing(p)
    audit = session.scalar(select(AuditLog).order_by(AuditLog.id.desc()))
    assert audit.action == "programme.item.insert" and audit.detail["relay"] == "VOV1 – Thời sự"
    # The day as the API gives it: the relay's source and fallback, never the stream's address.
    session.flush()
    day = day_dict(session, settings, "MOLAO", built.on_date)
    (item,) = [i for ps in day["sessions"] for i in ps["items"] if i["kind"] == "relay"]
    assert item["relay"] == {
        "upstream": "VOV1 – Thời sự",
        "source": "VOV1",
        "category": "national",
        "fallback": "asset",
    }
    assert item["clusters"] is None and "127.0.0.1:9" not in str(day)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({"source": "VOV1", "minutes": "abc"}, "số phút"),
        ({"source": "VOV1", "minutes": "0"}, "số phút"),
        ({"source": "NOPE", "minutes": "5"}, "không có nguồn tiếp sóng mã 'NOPE'"),
        ({"url": "file:///etc/passwd", "minutes": "5"}, "http:// hoặc https://"),
        ({"source": "VOV1", "minutes": "5", "fallback": "khong-co.mp3"}, "không thấy tệp"),
        ({"minutes": "5"}, "đúng một trong"),
    ],
)
def test_a_bad_relay_insert_changes_nothing(session, settings, built, raw, words):
    from broadcast.domain.models import UpstreamSource

    session.add(UpstreamSource(code="VOV1", name="VOV1", url="http://127.0.0.1:9/vov1"))
    before = order(built)
    with pytest.raises(ValidationError) as err:
        edit.insert_relay(session, settings, built.id, raw, renderer=TableRenderer())
    assert words in err.value.message
    assert order(built) == before
