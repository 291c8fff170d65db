"""The filling rules as tables: pure functions, no database, no audio."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date, timedelta

import pytest

from broadcast.programme.fill import Block, Candidate, fill_session, rotation_key, why_not_eligible

D = date(2025, 10, 1)
MIN = 60_000


def cand(id, dur_s=60, **kw):
    kw.setdefault("title", f"Tin {id}")
    kw.setdefault("category", "thong-bao")
    return Candidate(id=id, duration_ms=dur_s * 1000, **kw)


def blocks(*specs):
    """specs: ("bulletins"|"column", cap_s, categories, reserve_s)."""
    out = []
    for i, spec in enumerate(specs):
        kind, cap, cats, reserve = list(spec) + [(), 0][len(spec) - 2 :]
        out.append(Block(slot=i, kind=kind, cap_ms=cap * 1000, categories=tuple(cats), reserve_ms=reserve * 1000))
    return out


def run(cands, blks, max_s=600, fixed_s=0, on=D):
    return fill_session(cands, blks, max_ms=max_s * 1000, fixed_ms=fixed_s * 1000, on_date=on)


@pytest.mark.parametrize(
    "kw, reason",
    [
        ({}, None),
        ({"status": "submitted"}, "chưa được duyệt"),
        ({"status": "draft"}, "chưa được duyệt"),
        ({"status": "scheduled"}, None),
        ({"valid_from": D + timedelta(days=1)}, "ngoài thời hạn"),
        ({"valid_until": D - timedelta(days=1)}, "ngoài thời hạn"),
        ({"valid_from": D, "valid_until": D}, None),
        ({"airings_left": 0}, "hết lượt"),
        ({"airings_left": -2}, "hết lượt"),
        ({"targets_station": False}, "không phát ở đài này"),
    ],
)
def test_eligibility(kw, reason):
    got = why_not_eligible(cand(1, **kw), D)
    assert (got is None) if reason is None else (reason in got)


@pytest.mark.parametrize(
    "cands, expected_order",
    [
        # emergency, then priority, then normal, whatever the input order
        ([cand(1), cand(2, priority="priority"), cand(3, priority="emergency")], [3, 2, 1]),
        # equal priority: fewest airings first
        ([cand(1, aired_count=3), cand(2, aired_count=0), cand(3, aired_count=1)], [2, 3, 1]),
        # equal airings: aired longest ago first (never aired before all)
        (
            [
                cand(1, aired_count=2, last_aired=D - timedelta(days=1)),
                cand(2, aired_count=2, last_aired=D - timedelta(days=5)),
                cand(3, aired_count=2),
            ],
            [3, 2, 1],
        ),
        # then the one expiring first
        ([cand(1, valid_until=D + timedelta(days=9)), cand(2, valid_until=D + timedelta(days=2))], [2, 1]),
        # priority beats rotation
        ([cand(1, aired_count=0), cand(2, priority="priority", aired_count=50)], [2, 1]),
    ],
)
def test_order_of_filling(cands, expected_order):
    result = run(cands, blocks(("bulletins", 600)))
    assert result.placed_ids == expected_order
    assert [c.id for c in sorted(cands, key=rotation_key)] == expected_order


@pytest.mark.parametrize(
    "name, cands, blks, max_s, fixed_s, placed, waiting",
    [
        ("fits exactly", [cand(1, 200), cand(2, 200)], [("bulletins", 600)], 600, 200, [1, 2], []),
        ("one too many waits", [cand(1, 200), cand(2, 200), cand(3, 1)], [("bulletins", 600)], 600, 200, [1, 2], [3]),
        (
            "a shorter one still fits after a long one waits",
            [cand(1, 300), cand(2, 500), cand(3, 100)],
            [("bulletins", 600)],
            600,
            0,
            [1, 3],
            [2],
        ),
        ("block share limits", [cand(1, 100), cand(2, 100), cand(3, 100)], [("bulletins", 250)], 600, 0, [1, 2], [3]),
        (
            "ineligible ones are not even waiting",
            [cand(1, 60, status="submitted"), cand(2, 60, airings_left=0), cand(3, 60)],
            [("bulletins", 600)],
            600,
            0,
            [3],
            [],
        ),
        ("no bulletin twice", [cand(1, 60), cand(1, 60)], [("bulletins", 600)], 600, 0, [1], []),
        (
            "category filter",
            [cand(1, 60, category="y-te"), cand(2, 60, category="thien-tai")],
            [("bulletins", 600, ["y-te"])],
            600,
            0,
            [1],
            [2],
        ),
        (
            "cchc wildcard column",
            [cand(1, 60, category="cchc-tthc", is_cchc=True), cand(2, 60)],
            [("column", 600, ["cchc-*"])],
            600,
            0,
            [1],
            [2],
        ),
        (
            "emergency ignores share, not session max",
            [cand(1, 400, priority="emergency"), cand(2, 100)],
            [("bulletins", 120)],
            500,
            50,
            [1],
            [2],
        ),
        (
            "emergency too long for the session waits",
            [cand(1, 700, priority="emergency")],
            [("bulletins", 600)],
            600,
            0,
            [],
            [1],
        ),
    ],
)
def test_fill_table(name, cands, blks, max_s, fixed_s, placed, waiting):
    result = run(cands, blocks(*blks), max_s=max_s, fixed_s=fixed_s)
    assert sorted(result.placed_ids) == sorted(placed), name
    assert [w.candidate.id for w in result.waiting] == waiting, name
    assert result.total_ms <= max_s * 1000
    for w in result.waiting:
        assert (w.reason and "chờ buổi sau" in w.reason) or "không có khối" in w.reason


def test_waiting_reason_names_the_time():
    result = run([cand(1, 300), cand(2, 400)], blocks(("bulletins", 600)), max_s=600)
    reason = result.waiting[0].reason
    assert "không đủ thời lượng" in reason and "6 phút 40 giây" in reason and "5 phút 00 giây" in reason


def test_cchc_goes_to_the_column_and_others_to_the_news_block():
    cands = [
        cand(1, category="cchc-tthc", is_cchc=True),
        cand(2, category="y-te"),
        cand(3, category="cchc-the-che", is_cchc=True),
    ]
    news, column = blocks(("bulletins", 600), ("column", 300, ["cchc-*"]))
    result = run(cands, [news, column])
    assert [c.id for c in news.items] == [2] and [c.id for c in column.items] == [1, 3]
    assert result.total_ms == 180_000


def test_column_intro_counts_only_when_the_column_has_items():
    column = Block(slot=0, kind="column", cap_ms=200_000, categories=("cchc-*",), intro_ms=10_000)
    result = run([cand(1, 60)], [Block(slot=1, kind="bulletins", cap_ms=600_000), column])
    assert result.total_ms == 60_000
    column2 = Block(slot=0, kind="column", cap_ms=200_000, categories=("cchc-*",), intro_ms=10_000)
    result2 = run([cand(1, 60, category="cchc-chung", is_cchc=True)], [column2])
    assert result2.total_ms == 70_000


@pytest.mark.parametrize("reserve_s, cchc_placed", [(0, False), (120, True)])
def test_plan_quota_reserves_time_for_the_column(reserve_s, cchc_placed):
    # Ten normal bulletins that have aired less would fill the whole session before the CCHC one.
    cands = [cand(i, 60, aired_count=0) for i in range(1, 11)]
    cands.append(cand(99, 90, category="cchc-tthc", is_cchc=True, aired_count=5))
    news, column = blocks(("bulletins", 600), ("column", 300, ["cchc-*"], reserve_s))
    result = run(cands, [news, column], max_s=600)
    assert (99 in result.placed_ids) is cchc_placed
    assert result.total_ms <= 600_000
    if cchc_placed:
        assert len(news.items) == 8  # 480 s of news; 120 s held for the column
        assert any("giữ cho chuyên mục" in w.reason for w in result.waiting)


def test_emergency_is_not_held_back_by_a_reservation():
    news, column = blocks(("bulletins", 600), ("column", 300, ["cchc-*"], 300))
    result = run([cand(1, 500, priority="emergency")], [news, column], max_s=600)
    assert result.placed_ids == [1]


def test_rotation_shares_airtime_fairly_across_a_simulated_month():
    """Twelve equal bulletins, room for four a day, 22 working days: everyone airs 7 or 8 times."""
    pool = [cand(i, 60, airings_left=100) for i in range(1, 13)]
    counts = Counter()
    day = date(2025, 10, 1)
    streaks = []
    for _n in range(22):
        result = run(pool, blocks(("bulletins", 240)), max_s=240, on=day)
        placed = result.placed_ids
        assert len(placed) == 4 and len(set(placed)) == 4
        streaks.append(set(placed))
        for c in pool:
            if c.id in placed:
                c.aired_count += 1
                c.last_aired = day
                c.airings_left -= 1
        counts.update(placed)
        day += timedelta(days=1)
    assert max(counts.values()) - min(counts.values()) <= 1
    # nobody airs two days running while others wait (12 bulletins, 4 a day: a three-day cycle)
    for a, b in itertools.pairwise(streaks):
        assert not a & b


def test_rotation_respects_airings_left_over_a_month():
    pool = [cand(1, 60, airings_left=3), cand(2, 60, airings_left=100), cand(3, 60, airings_left=1)]
    counts = Counter()
    for n in range(20):
        on = D + timedelta(days=n)
        result = run(pool, blocks(("bulletins", 120)), max_s=120, on=on)
        for c in pool:
            if c.id in result.placed_ids:
                c.aired_count += 1
                c.last_aired = on
                c.airings_left -= 1
        counts.update(result.placed_ids)
    assert counts[1] == 3 and counts[3] == 1  # never more than their airings
    assert counts[2] >= 19  # the rest of the time goes to the one with airings left


def tthc(id, dur_s=60, **kw):
    return cand(id, dur_s, category="cchc-tthc", is_cchc=True, **kw)


def chung(id, dur_s=60, **kw):
    return cand(id, dur_s, category="cchc-chung", is_cchc=True, **kw)


@pytest.mark.parametrize(
    "name, cands, quota_s, column_ids",
    [
        # Three general CCHC items aired less than the TTHC one fill the 180 s column by rotation ...
        ("no quota: rotation", [chung(1), chung(2), chung(3), tthc(9, aired_count=5)], {}, [1, 2, 3]),
        # ... an area behind its target goes first, until what it is owed today is covered
        ("owed one bulletin", [chung(1), chung(2), chung(3), tthc(9, aired_count=5)], {"cchc-tthc": 60}, [9, 1, 2]),
        (
            "owed two",
            [chung(1), chung(2), chung(3), tthc(8, aired_count=4), tthc(9, aired_count=5)],
            {"cchc-tthc": 61},
            [8, 9, 1],
        ),
        ("owed more than there is", [chung(1), chung(2), tthc(9, aired_count=5)], {"cchc-tthc": 600}, [9, 1, 2]),
        # two areas owed: the most-owed first
        (
            "most owed first",
            [
                chung(1, aired_count=3),
                chung(2, aired_count=3),
                tthc(9, aired_count=5),
                cand(7, 60, category="cchc-bo-may", is_cchc=True, aired_count=6),
            ],
            {"cchc-tthc": 30, "cchc-bo-may": 90},
            [7, 9, 1],
        ),
        # a priority bulletin still goes before the quota
        (
            "priority first",
            [chung(1, priority="priority", aired_count=9), chung(2), tthc(9, aired_count=5)],
            {"cchc-tthc": 60},
            [1, 9, 2],
        ),
        # an area the column does not take is not owed anything there
        ("other column", [chung(1), chung(2), chung(3), tthc(9, aired_count=5)], {"cchc-bo-may": 60}, [1, 2, 3]),
    ],
)
def test_area_quota_gives_preference_within_the_column(name, cands, quota_s, column_ids):
    column = Block(
        slot=0,
        kind="column",
        cap_ms=180_000,
        categories=("cchc-*",),
        area_quota_ms={k: v * 1000 for k, v in quota_s.items()},
    )
    result = run(cands, [Block(slot=1, kind="bulletins", cap_ms=600_000, categories=("thong-bao",)), column])
    assert [c.id for c in column.items] == column_ids, name
    assert result.total_ms <= 600_000


def test_area_quota_never_breaks_the_column_share_or_the_session():
    column = Block(slot=0, kind="column", cap_ms=100_000, categories=("cchc-*",), area_quota_ms={"cchc-tthc": 300_000})
    result = run([tthc(1, 90), tthc(2, 90), chung(3, 10)], [column], max_s=120)
    assert [c.id for c in column.items] == [1, 3] and result.total_ms <= 100_000
    assert [w.candidate.id for w in result.waiting] == [2]
