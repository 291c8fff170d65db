"""The plan's monthly targets in the filler, over a simulated month of MOLAO (durations from a table).

MOLAO airs two 15-minute sessions every weekday; the CCHC column (40 % of the session, 8 s intro) is on the
morning on Tuesday and Thursday and on the afternoon on Monday, Wednesday and Friday: one column session per
weekday.  Every bulletin is 60 s.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from broadcast.domain.models import (
    Plan,
    PlanTarget,
    Programme,
    ProgrammeItem,
    SessionTemplate,
)
from broadcast.programme.build import build_day

from .conftest import TableRenderer, weekdays_left_in_month


def next_month(today: date) -> date:
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


def set_targets(session, *targets):
    """The demo plan keeps only ``targets`` ((metric, category_code, value) per month)."""
    plan = session.scalar(select(Plan))
    session.execute(delete(PlanTarget).where(PlanTarget.plan_id == plan.id))
    for metric, code, value in targets:
        session.add(PlanTarget(plan_id=plan.id, metric=metric, category_code=code, value=value, per="month"))
    plan.period_start, plan.period_end = date(2000, 1, 1), date(2099, 12, 31)
    session.flush()
    session.expire_all()


def build_month(session, settings, first: date, today: date) -> list[Programme]:
    renderer = TableRenderer(default_ms=60_000)
    built = []
    day = first
    while day.month == first.month:
        built += build_day(session, settings, "MOLAO", day, renderer=renderer, today=today)
        day += timedelta(days=1)
    return built


def weekdays(first: date) -> int:
    day, n = first, 0
    while day.month == first.month:
        n += day.isoweekday() <= 5
        day += timedelta(days=1)
    return n


def month_figures(session, first: date, built: list[Programme]) -> dict:
    """Programmed this month: minutes per CCHC area, sessions with a CCHC item (per area too)."""
    rows = session.execute(
        select(Programme.id, ProgrammeItem.category_code, func.sum(ProgrammeItem.duration_ms))
        .join(ProgrammeItem)
        .where(Programme.on_date >= first, ProgrammeItem.kind == "bulletin", ProgrammeItem.category_code.like("cchc-%"))
        .group_by(Programme.id, ProgrammeItem.category_code)
    ).all()
    minutes, sessions, by_area = {}, set(), {}
    for pid, cat, ms in rows:
        minutes[cat] = minutes.get(cat, 0) + ms / 60_000
        sessions.add(pid)
        by_area.setdefault(cat, set()).add(pid)
    warnings = [w for p in built for w in (p.warnings or []) if w["code"] == "plan_quota"]
    return {
        "minutes": minutes,
        "sessions": len(sessions),
        "area_sessions": {k: len(v) for k, v in by_area.items()},
        "warnings": warnings,
    }


@pytest.fixture
def cchc_pool(session, demo, clear_demo_bulletins, make_bulletin, today):
    """Sixty general CCHC items, one TTHC item, twelve news items: by rotation alone the TTHC item airs about
    once in 73 turns (a session has room for about 14)."""
    until = next_month(today) + timedelta(days=40)
    for n in range(60):
        make_bulletin(f"CCHC chung {n}", "cchc-chung", airings=500, valid_until=until)
    for n in range(12):
        make_bulletin(f"Tin thường {n}", airings=500, valid_until=until)
    return make_bulletin("Thủ tục hành chính", "cchc-tthc", airings=500, valid_until=until)


@pytest.mark.parametrize(
    "targets, tthc_min_at_least, tthc_min_below",
    [
        ((), None, 15),  # no area target: TTHC gets its rotation share
        ((("minutes", "cchc-tthc", 15),), 15, None),  # 15 min/month of TTHC: reached
        ((("minutes", "cchc-tthc", 12),), 12, 15),  # a smaller target: reached, not overshot by much
        ((("minutes", "cchc", 60), ("minutes", "cchc-tthc", 15)), 15, None),
    ],
)
def test_area_minutes_target_is_approached_over_a_month(
    session, settings, cchc_pool, today, targets, tthc_min_at_least, tthc_min_below
):
    set_targets(session, *targets)
    first = next_month(today)
    built = build_month(session, settings, first, today)
    got = month_figures(session, first, built)["minutes"].get("cchc-tthc", 0)
    if tthc_min_at_least is not None:
        assert got >= tthc_min_at_least
        assert got <= tthc_min_at_least + 2  # preference stops once the area has caught up
    if tthc_min_below is not None:
        assert got < tthc_min_below
    for p in built:
        assert sum(i.duration_ms for i in p.items) <= p.max_duration_s * 1000


@pytest.fixture
def news_without_cchc(session, demo):
    """News blocks take only announcements, so CCHC items air in the column only (a column session is then a
    session with a CCHC item, as the report counts them)."""
    for tpl in session.scalars(select(SessionTemplate)):
        tpl.slots = [dict(s, categories=["thong-bao"]) if s["kind"] == "bulletins" else s for s in tpl.slots]
    session.flush()


@pytest.mark.parametrize(
    "target, expect",
    [
        (None, "weekdays"),  # one column session per weekday, as configured
        (10, "weekdays"),  # already within reach of the configured weekdays: nothing added
        ("weekdays+8", "target"),  # behind: the column goes on other sessions too, exactly enough
        ("all+5", "all"),  # beyond every session of the month: all of them, and a warning
    ],
)
def test_column_sessions_target_places_the_column_beyond_its_weekdays(
    session, settings, cchc_pool, news_without_cchc, today, target, expect
):
    first = next_month(today)
    n_weekdays = weekdays(first)
    value = {None: None, 10: 10, "weekdays+8": n_weekdays + 8, "all+5": 2 * n_weekdays + 5}[target]
    set_targets(session, *((("column_sessions", "cchc", value),) if value else ()))
    built = build_month(session, settings, first, today)
    fig = month_figures(session, first, built)
    assert fig["sessions"] == {"weekdays": n_weekdays, "target": value, "all": 2 * n_weekdays}[expect]
    added = [w for w in fig["warnings"] if "Thêm chuyên mục" in w["message"]]
    unreachable = [w for w in fig["warnings"] if "không thể đạt" in w["message"]]
    assert len(added) == max(0, fig["sessions"] - n_weekdays)
    assert bool(unreachable) is (expect == "all")
    if target == "weekdays+8":
        # as late as possible: the added columns are on the month's last sessions
        days_added = sorted(
            p.on_date for p in built if any("Thêm chuyên mục" in w["message"] for w in (p.warnings or []))
        )
        assert days_added and days_added[0] >= first + timedelta(days=14)


def test_area_sessions_target_gets_the_area_into_enough_columns(session, settings, cchc_pool, news_without_cchc, today):
    first = next_month(today)
    set_targets(session)
    built = build_month(session, settings, first, today)
    assert month_figures(session, first, built)["area_sessions"].get("cchc-tthc", 0) < 10
    session.execute(delete(ProgrammeItem))
    session.execute(delete(Programme))
    set_targets(session, ("column_sessions", "cchc-tthc", 12))
    built = build_month(session, settings, first, today)
    assert month_figures(session, first, built)["area_sessions"]["cchc-tthc"] >= 12


def test_an_empty_column_the_plan_counts_on_is_flagged(session, settings, demo, clear_demo_bulletins, today):
    first = next_month(today)
    set_targets(session, ("minutes", "cchc", 60))
    day = first + timedelta(days=(1 - first.isoweekday()) % 7)  # the month's first Monday
    progs = build_day(session, settings, "MOLAO", day, renderer=TableRenderer(), today=today)
    assert any(w["code"] == "plan_quota" and "trống" in w["message"] for p in progs for w in p.warnings)


# --- the phases, directly ------------------------------------------------------


def test_column_calendar_counts_the_rest_of_the_month(session, demo, today):
    from broadcast.domain.models import Station
    from broadcast.programme.calendar import sessions_on
    from broadcast.programme.quotas import column_calendar

    station = session.scalar(select(Station).where(Station.code == "MOLAO"))
    first = next_month(today)
    monday = first + timedelta(days=(1 - first.isoweekday()) % 7)
    specs = sessions_on(session, station, monday)
    cal = column_calendar(session, station, monday, specs, set(), {"cchc", "cchc-tthc"})
    weekdays = weekdays_left_in_month(monday)
    # one column session per weekday, and on each weekday the other session could carry one more
    assert cal.occurrences == {"cchc": weekdays, "cchc-tthc": weekdays}
    assert cal.on_weekdays["cchc"] == weekdays and cal.offday["cchc"] == weekdays
    assert cal.today_offday["cchc"] == [
        ("sang", next(i for i, s in enumerate(specs[0].slots) if s.get("kind") == "column"))
    ]
    kept = column_calendar(session, station, monday, specs, {"sang"}, {"cchc"})
    assert kept.offday["cchc"] == weekdays - 1 and "cchc" not in kept.today_offday  # a kept session gets none


@pytest.mark.parametrize(
    "target, done, on_weekdays, offday, today_offday, extra, activate, warned",
    [
        (4, 0, 5, 5, 1, None, 0, False),  # the weekdays reach it: nothing added
        (8, 0, 5, 5, 1, 3, 0, False),  # three more, later sessions can carry them: not today
        (10, 0, 5, 5, 1, 5, 1, False),  # five more, only four later: today too
        (12, 0, 5, 5, 1, 7, 1, True),  # beyond every remaining session: warned
        (12, 6, 5, 5, 1, 1, 0, False),  # done earlier this month counts
    ],
)
def test_place_extra_columns(target, done, on_weekdays, offday, today_offday, extra, activate, warned):
    from broadcast.programme.quotas import (
        ColumnCalendar,
        DayQuotas,
        _place_extra_columns,
    )

    q = DayQuotas(sessions={"cchc": target}, done_sessions={"cchc": done})
    cal = ColumnCalendar(
        on_weekdays={"cchc": on_weekdays}, offday={"cchc": offday}, today_offday={"cchc": [("sang", 3)] * today_offday}
    )
    _place_extra_columns(q, date(2025, 10, 6), cal)
    assert q.extra.get("cchc") == extra and len(q.activate) == activate
    assert bool(q.warnings) is warned
    if warned:
        assert q.warnings[0]["message"].startswith("Chỉ tiêu 12 buổi có chuyên mục CCHC tháng 10/2025 không thể đạt")
