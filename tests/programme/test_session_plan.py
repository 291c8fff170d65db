"""One session worked out phase by phase (a hand-made SessionSpec, durations from a table, no database)."""

from __future__ import annotations

from datetime import date, time
from types import SimpleNamespace as NS

import pytest

from broadcast.errors import ValidationError
from broadcast.programme.calendar import SessionSpec
from broadcast.programme.fill import Block, Candidate, fill_session
from broadcast.programme.quotas import DayQuotas
from broadcast.programme.render import Audio
from broadcast.programme.session_plan import (
    MIN_FILLER_MS,
    assemble_items,
    asset_title,
    check_fixed_length,
    lay_out,
    plan_session,
    session_warnings,
    slot_where,
)

from .conftest import TableRenderer

WED = date(2025, 10, 1)  # a Wednesday
STATION = NS(name="Đài Mộ Lao")


def spec(*slots, max_minutes=5, code="sang"):
    return SessionSpec(
        code=code,
        name=code,
        start=time(6),
        max_duration_s=max_minutes * 60,
        slots=[dict(s, where=f"slot[{i}]") for i, s in enumerate(slots)],
        source_file="/x/MOLAO.toml",
    )


TUNE = {"kind": "asset", "file": "nhac-hieu.mp3"}
HELLO = {"kind": "announcement", "text": "Đây là {station_name}, {weekday}."}
NEWS = {"kind": "bulletins", "max_share": 0.5}
COLUMN = {
    "kind": "column",
    "title": "Chuyên mục CCHC",
    "intro": "Chuyên mục",
    "categories": ["cchc-*"],
    "weekdays": [3],
}
FILLER = {"kind": "filler", "file": "nhac-nen.mp3"}


@pytest.mark.parametrize(
    "name, title",
    [
        ("nhac-hieu.mp3", "Nhạc hiệu"),
        ("chuong-bao.mp3", "Chuông báo"),
        ("nhac-nen.mp3", "Nhạc nền"),
        ("ten-rieng.mp3", "ten-rieng"),
        ("khong-duoi", "khong-duoi"),
    ],
)
def test_asset_title(name, title):
    assert asset_title(name) == title


def test_slot_where_names_session_and_slot():
    s = spec(TUNE)
    assert slot_where(s, s.slots[0]) == "session 'sang' slot[0]"
    assert slot_where(s, {}) == "session 'sang'"


@pytest.mark.parametrize(
    "on_date, blocks, weekday",
    [
        (WED, ["bulletins", "column"], "thứ Tư"),  # the column airs on Wednesdays
        (date(2025, 10, 2), ["bulletins"], "thứ Năm"),  # not on Thursday
    ],
)
def test_lay_out(on_date, blocks, weekday):
    layout = lay_out(
        spec(TUNE, HELLO, NEWS, COLUMN, FILLER),
        STATION,
        on_date,
        TableRenderer(assets={"nhac-hieu.mp3": 10_000}),
        DayQuotas(),
    )
    assert [b.kind for b in layout.blocks] == blocks and layout.fixed_ms == 10_000 + 8_000
    assert layout.max_ms == 300_000 and layout.blocks[0].cap_ms == 150_000
    assert layout.pieces[1][0]["text"] == f"Đây là Đài Mộ Lao, {weekday}."
    assert layout.wanted_columns == [] and layout.quota_warnings == []


def test_lay_out_column_added_by_the_plan_is_wanted_and_warned():
    quotas = DayQuotas(sessions={"cchc": 8}, activate={("sang", 1)})
    layout = lay_out(spec(NEWS, COLUMN), STATION, date(2025, 10, 2), TableRenderer(), quotas)
    assert [b.kind for b in layout.blocks] == ["bulletins", "column"]
    assert len(layout.wanted_columns) == 1 and layout.quota_warnings[0]["code"] == "plan_quota"


@pytest.mark.parametrize(
    "slot, message",
    [
        ({"kind": "thu-la"}, "MOLAO.toml: session 'sang' slot[0]: loại ô 'thu-la' không có."),
        ({"kind": "announcement", "text": "{khong_co}"}, "MOLAO.toml: session 'sang' slot[0]: lời dẫn có chỗ thay thế"),
    ],
)
def test_lay_out_refuses_bad_slots(slot, message):
    with pytest.raises(ValidationError) as err:
        lay_out(spec(slot), STATION, WED, TableRenderer(), DayQuotas())
    assert err.value.message.startswith(message)


def test_check_fixed_length():
    s = spec(TUNE, HELLO, max_minutes=1)
    check_fixed_length(s, lay_out(s, STATION, WED, TableRenderer(assets={"nhac-hieu.mp3": 52_000}), DayQuotas()))
    with pytest.raises(ValidationError) as err:
        check_fixed_length(s, lay_out(s, STATION, WED, TableRenderer(assets={"nhac-hieu.mp3": 53_000}), DayQuotas()))
    assert err.value.field == "max_minutes" and "MOLAO.toml: session 'sang' max_minutes" in err.value.message


def _bulletins(*specs):
    return {
        i: (
            NS(title=f"Tin {i}", text_to_speak=f"Nội dung {i}"),
            Candidate(id=i, title=f"Tin {i}", category=cat, duration_ms=ms, is_cchc=cat.startswith("cchc-")),
        )
        for i, (cat, ms) in enumerate(specs, start=1)
    }


@pytest.mark.parametrize("news_ms, filler", [(60_000, True), (300_000 - 26_000 - MIN_FILLER_MS + 1, False)])
def test_assemble_items_in_slot_order_with_filler(news_ms, filler):
    s = spec(TUNE, HELLO, {"kind": "bulletins"}, COLUMN, HELLO, FILLER)
    candidates = _bulletins(("thoi-su", news_ms))
    layout = lay_out(s, STATION, WED, TableRenderer(assets={"nhac-hieu.mp3": 10_000}), DayQuotas())
    fill = fill_session(
        [c for _, c in candidates.values()], layout.blocks, max_ms=layout.max_ms, fixed_ms=layout.fixed_ms, on_date=WED
    )
    audio = {1: Audio(None, news_ms)}
    items, total = assemble_items(layout, candidates, audio, TableRenderer(), fill.total_ms)
    kinds = [(i.kind, i.title) for i in items]
    # the empty column says nothing (no intro); the announcement after content is the closing
    assert kinds[:4] == [
        ("asset", "Nhạc hiệu"),
        ("announcement", "Lời mở đầu"),
        ("bulletin", "Tin 1"),
        ("announcement", "Lời kết"),
    ]
    assert (kinds[-1] == ("filler", "Nhạc đệm")) is filler
    assert total == (layout.max_ms if filler else fill.total_ms)


def test_session_warnings_order():
    layout = lay_out(
        spec(NEWS, COLUMN),
        STATION,
        date(2025, 10, 2),
        TableRenderer(),
        DayQuotas(sessions={"cchc": 8}, activate={("sang", 1)}),
    )
    candidates = _bulletins(("thoi-su", 200_000))
    fill = fill_session(
        [c for _, c in candidates.values()], layout.blocks, max_ms=layout.max_ms, fixed_ms=0, on_date=WED
    )
    codes = [w["code"] for w in session_warnings(layout, fill)]
    assert codes == ["waiting", "plan_quota", "plan_quota"]  # waiting, column added, column left empty


def test_plan_session_end_to_end():
    s = spec(TUNE, HELLO, NEWS, COLUMN, FILLER)
    candidates = _bulletins(("thoi-su", 30_000), ("cchc-tthc", 40_000))
    ps = plan_session(STATION, s, WED, candidates, TableRenderer(), {1: Audio(None, 30_000), 2: Audio(None, 40_000)})
    assert [i.kind for i in ps.items] == ["asset", "announcement", "bulletin", "announcement", "bulletin", "filler"]
    assert ps.total_ms == 300_000 and ps.fill.placed_ids and ps.waiting_ids == [] and ps.warnings == []


def test_block_type_is_the_fillers():
    layout = lay_out(spec(NEWS), STATION, WED, TableRenderer(), DayQuotas())
    assert isinstance(layout.pieces[0][1], Block)
