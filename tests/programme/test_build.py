"""Building a day from the database (durations from a table renderer, no audio)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select

from broadcast.domain.models import (
    AuditLog,
    Plan,
    Programme,
    ProgrammeItem,
    SessionTemplate,
    Setting,
    Station,
)
from broadcast.errors import NotFound, ValidationError
from broadcast.programme.build import build_day, day_dict, programme_for
from broadcast.programme.edit import set_locked

from .conftest import TableRenderer, next_weekday, weekdays_left_in_month


def snapshot(session, station="MOLAO", on=None):
    rows = session.execute(
        select(Programme.session_code, ProgrammeItem.position, ProgrammeItem.title, ProgrammeItem.duration_ms)
        .join(ProgrammeItem)
        .where(Programme.on_date == on)
        .order_by(Programme.session_code, ProgrammeItem.position)
    ).all()
    return [tuple(r) for r in rows]


def test_demo_day_has_the_session_shape(session, settings, demo, today):
    tuesday = next_weekday(today + timedelta(days=1), 2)
    # Not in the last days of a month: there the demo plan's 8 column sessions (none aired yet in a fresh
    # database) would add the column to the afternoon too (see test_column_sessions_target_*).
    if weekdays_left_in_month(tuesday) < 5:
        tuesday += timedelta(days=7)
    progs = build_day(session, settings, "MOLAO", tuesday, renderer=TableRenderer(default_ms=30_000), today=today)
    assert [p.session_code for p in progs] == ["sang", "chieu"]
    sang = progs[0]
    kinds = [i.kind for i in sang.items]
    assert kinds[0] == "asset" and kinds[1] == "announcement" and kinds[-2:] == ["announcement", "asset"]
    assert [i.position for i in sang.items] == list(range(1, len(sang.items) + 1))
    # planned starts back to back from 06:00 local
    assert sang.items[0].planned_start.astimezone(settings.tz).strftime("%H:%M:%S") == "06:00:00"
    for a, b in zip(sang.items, sang.items[1:]):
        assert b.planned_start - a.planned_start == timedelta(milliseconds=a.duration_ms)
    # Tuesday morning carries the CCHC column: its intro is there, followed by CCHC bulletins
    titles = [i.title for i in sang.items]
    assert "Chuyên mục Cải cách hành chính" in titles
    col = titles.index("Chuyên mục Cải cách hành chính")
    assert sang.items[col + 1].category_code.startswith("cchc-")
    # priority bulletins first in the news block: the flood warning opens the news
    assert sang.items[2].title == "Chủ động phòng chống mưa lớn, ngập úng"
    # the afternoon has no column on Tuesday
    assert "Chuyên mục Cải cách hành chính" not in [i.title for i in progs[1].items]
    for p in progs:
        assert sum(i.duration_ms for i in p.items) <= p.max_duration_s * 1000
    assert session.scalar(select(AuditLog.action).order_by(AuditLog.id.desc())) == "programme.build"
    assert programme_for(session, "MOLAO", tuesday, "sang") is sang


def test_weekend_has_no_session(session, settings, demo, today):
    saturday = next_weekday(today, 6)
    assert build_day(session, settings, "MOLAO", saturday, renderer=TableRenderer(), today=today) == []


def test_only_eligible_bulletins_are_used(session, settings, demo, today, clear_demo_bulletins, make_bulletin):
    on = next_weekday(today + timedelta(days=1), 1)
    other = Station(ward_id=session.scalar(select(Station.ward_id)), code="KHAC", name="Đài khác")
    session.add(other)
    molao = session.scalar(select(Station).where(Station.code == "MOLAO"))
    ok = make_bulletin("Được phát")
    make_bulletin("Chưa duyệt", status="submitted")
    make_bulletin("Hết lượt", airings=0)
    make_bulletin("Chưa tới ngày", valid_from=on + timedelta(days=1))
    make_bulletin("Đã hết hạn", valid_until=on - timedelta(days=1))
    make_bulletin("Đài khác thôi", all_stations=False, stations=[other])
    here = make_bulletin("Riêng Mộ Lao", all_stations=False, stations=[molao])
    progs = build_day(session, settings, "MOLAO", on, renderer=TableRenderer(), today=today)
    aired = {i.bulletin_id for p in progs for i in p.items if i.bulletin_id}
    assert aired == {ok.id, here.id}


def test_airings_left_are_shared_between_days(session, settings, demo, today, clear_demo_bulletins, make_bulletin):
    b = make_bulletin("Ba lượt", airings=3)
    start = next_weekday(today, 1)
    renderer = TableRenderer()
    count = 0
    for n in range(5):
        for p in build_day(session, settings, "MOLAO", start + timedelta(days=n), renderer=renderer, today=today):
            count += sum(1 for i in p.items if i.bulletin_id == b.id)
    assert count == 3
    # rebuilding a day gives back its own airings first, so the count stays the same
    build_day(session, settings, "MOLAO", start, renderer=renderer, today=today)
    assert session.scalar(select(func.count(ProgrammeItem.id)).where(ProgrammeItem.bulletin_id == b.id)) == 3


def test_rotation_across_a_simulated_month(session, settings, demo, today, clear_demo_bulletins, make_bulletin):
    """Ten equal four-minute bulletins, two 15-minute sessions of at most 60 % news: fair shares over a month."""
    ids = [make_bulletin(f"Tin {n}", airings=500, valid_until=today + timedelta(days=60)).id for n in range(10)]
    renderer = TableRenderer(default_ms=4 * 60_000)
    counts = Counter()
    day = today
    days = 0
    while days < 22:
        progs = build_day(session, settings, "MOLAO", day, renderer=renderer, today=today)
        for p in progs:
            placed = [i.bulletin_id for i in p.items if i.bulletin_id]
            assert len(placed) == len(set(placed))  # never twice in one session
            assert sum(i.duration_ms for i in p.items) <= p.max_duration_s * 1000
            counts.update(placed)
        days += bool(progs)
        day += timedelta(days=1)
    assert set(counts) == set(ids)
    assert max(counts.values()) - min(counts.values()) <= 1, counts


def test_a_locked_programme_is_never_changed(session, settings, demo, today, make_bulletin):
    on = next_weekday(today + timedelta(days=1), 3)
    progs = build_day(session, settings, "MOLAO", on, renderer=TableRenderer(default_ms=20_000), today=today)
    set_locked(session, settings, progs[0].id, True)
    before = [(i.id, i.position, i.title, i.duration_ms) for i in progs[0].items]
    make_bulletin("Tin mới rất khẩn", priority="emergency")
    again = build_day(session, settings, "MOLAO", on, renderer=TableRenderer(default_ms=25_000), today=today)
    sang = next(p for p in again if p.session_code == "sang")
    assert sang.locked and [(i.id, i.position, i.title, i.duration_ms) for i in sang.items] == before
    chieu = next(p for p in again if p.session_code == "chieu")
    assert chieu.items[2].title == "Tin mới rất khẩn"  # the unlocked session was rebuilt


def test_an_emergency_leads_the_news(session, settings, demo, today, make_bulletin):
    on = next_weekday(today + timedelta(days=1), 4)
    alert = make_bulletin("Bão số 3 đổ bộ", "thien-tai", priority="emergency")
    progs = build_day(session, settings, "MOLAO", on, renderer=TableRenderer(), today=today)
    for p in progs:
        assert p.items[2].bulletin_id == alert.id


def test_a_bulletin_that_does_not_fit_waits_with_a_reason(
    session, settings, demo, today, clear_demo_bulletins, make_bulletin
):
    on = next_weekday(today + timedelta(days=1), 1)
    long = make_bulletin("Rất dài", valid_until=on)
    short = make_bulletin("Ngắn")
    renderer = TableRenderer({long.id: 20 * 60_000, short.id: 60_000})
    progs = build_day(session, settings, "MOLAO", on, renderer=renderer, today=today)
    assert all(long.id not in {i.bulletin_id for i in p.items} for p in progs)
    waiting = [w for w in progs[0].warnings if w["code"] == "waiting"]
    assert waiting and waiting[0]["bulletin_id"] == long.id and "Rất dài" in waiting[0]["message"]
    assert "không đủ thời lượng" in waiting[0]["message"] or "phần thời lượng" in waiting[0]["message"]
    expiring = [w for w in progs[-1].warnings if w["code"] == "expiring"]
    assert expiring and expiring[0]["bulletin_id"] == long.id


def test_quiet_hours_warning(session, settings, demo, today):
    on = next_weekday(today + timedelta(days=1), 1)
    tpl = session.scalar(select(SessionTemplate).where(SessionTemplate.code == "chieu"))
    tpl.start_time = tpl.start_time.replace(hour=21, minute=30)
    progs = build_day(session, settings, "MOLAO", on, renderer=TableRenderer(), today=today)
    late = next(p for p in progs if p.session_code == "chieu")
    assert any(w["code"] == "quiet_hours" for w in late.warnings)
    assert not any(w["code"] == "quiet_hours" for w in progs[0].warnings)  # 06:00 is outside 21:00-06:00
    # configurable: a ward that keeps quiet from 20:00 to 06:30 gets a warning for 06:00 too
    session.add(Setting(key="programme.quiet_hours", value="20:00-06:30"))
    progs = build_day(session, settings, "MOLAO", on, renderer=TableRenderer(), today=today)
    assert any(w["code"] == "quiet_hours" for w in progs[0].warnings)


def test_plan_quota_reserves_time_for_the_cchc_column(
    session, settings, demo, today, clear_demo_bulletins, make_bulletin
):
    # Wide news block (100 %): without the plan, many short fresh news bulletins take everything.
    for tpl in session.scalars(select(SessionTemplate)):
        tpl.slots = [dict(s, max_share=1.0) if s["kind"] == "bulletins" else s for s in tpl.slots]
    on = next_weekday(today + timedelta(days=1), 2)  # Tuesday: morning column
    for n in range(20):
        make_bulletin(f"Tin thường {n}")
    cchc = make_bulletin("Tin CCHC", "cchc-tthc")

    def cchc_item(progs):
        return [i for i in progs[0].items if i.bulletin_id == cchc.id]

    session.execute(Plan.__table__.update().values(active=False))
    renderer = TableRenderer(default_ms=60_000)
    progs = build_day(session, settings, "MOLAO", on, renderer=renderer, today=today)
    assert not cchc_item(progs)  # 20 minutes of news, the CCHC one last by id
    assert any(w["bulletin_id"] == cchc.id for w in progs[0].warnings if w["code"] == "waiting")
    session.execute(Plan.__table__.update().values(active=True))
    progs = build_day(session, settings, "MOLAO", on, renderer=renderer, today=today)
    assert cchc_item(progs)
    titles = [i.title for i in progs[0].items]
    assert titles.index("Chuyên mục Cải cách hành chính") == titles.index("Tin CCHC") - 1


def test_extra_session_and_holiday(session, settings, demo, today, tmp_path):
    from broadcast.domain.models import DateOverride

    station = session.scalar(select(Station).where(Station.code == "MOLAO"))
    monday = next_weekday(today + timedelta(days=1), 1)
    saturday = monday + timedelta(days=5)
    session.add(DateOverride(station_id=station.id, on_date=monday, kind="holiday"))
    session.add(
        DateOverride(station_id=station.id, on_date=saturday, kind="extra", session_code="sang", note="Ngày hội")
    )
    assert build_day(session, settings, "MOLAO", monday, renderer=TableRenderer(), today=today) == []
    progs = build_day(session, settings, "MOLAO", saturday, renderer=TableRenderer(), today=today)
    assert [p.session_code for p in progs] == ["sang"] and any(w["code"] == "extra" for w in progs[0].warnings)


@pytest.mark.parametrize(
    "args, error, words",
    [
        (("NOPE", "2025-10-01"), NotFound, "NOPE"),
        (("MOLAO", "01/10/2025"), ValidationError, "YYYY-MM-DD"),
        (("MOLAO", "2025-02-30"), ValidationError, "YYYY-MM-DD"),
    ],
)
def test_bad_station_or_date(session, settings, demo, args, error, words):
    with pytest.raises(error, match=words):
        build_day(session, settings, *args, renderer=TableRenderer())


def test_unknown_session(session, settings, demo, today):
    with pytest.raises(NotFound, match="toi"):
        programme_for(session, "MOLAO", today, "toi")


def _build_then_break(session, settings, today, breaker):
    on = next_weekday(today + timedelta(days=1), 2)
    build_day(session, settings, "MOLAO", on, renderer=TableRenderer(default_ms=30_000), today=today)
    session.commit()
    before = snapshot(session, on=on)
    assert before
    breaker()
    return on, before


def test_fixed_parts_exceeding_the_maximum_keep_the_previous_programme(session, settings, demo, today):
    def breaker():
        tpl = session.scalar(select(SessionTemplate).where(SessionTemplate.code == "sang"))
        tpl.max_duration_s = 20  # two 8 s tunes + two 8 s announcements = 32 s

    on, before = _build_then_break(session, settings, today, breaker)
    with pytest.raises(ValidationError) as err:
        build_day(session, settings, "MOLAO", on, renderer=TableRenderer(default_ms=10_000), today=today)
    assert "MOLAO.toml" in err.value.message and "'sang'" in err.value.message and "max_minutes" in err.value.message
    session.rollback()
    assert snapshot(session, on=on) == before


def test_a_missing_asset_keeps_the_previous_programme(session, settings, demo, today, tmp_path):
    from broadcast.programme.render import SpeechRenderer

    empty_assets = tmp_path / "no-assets"
    empty_assets.mkdir()

    def breaker():
        pass

    on, before = _build_then_break(session, settings, today, breaker)
    with pytest.raises(ValidationError) as err:
        build_day(
            session,
            settings.with_(assets_dir=empty_assets),
            "MOLAO",
            on,
            renderer=SpeechRenderer(session, settings.with_(assets_dir=empty_assets)),
            today=today,
        )
    assert "MOLAO.toml" in err.value.message and "nhac-hieu.mp3" in err.value.message
    assert "slot[0]" in err.value.message
    session.rollback()
    assert snapshot(session, on=on) == before


def test_an_unknown_slot_kind_in_the_database_keeps_the_previous_programme(session, settings, demo, today):
    def breaker():
        tpl = session.scalar(select(SessionTemplate).where(SessionTemplate.code == "chieu"))
        tpl.slots = tpl.slots + [{"kind": "podcast", "where": "session[1].slot[6]"}]

    on, before = _build_then_break(session, settings, today, breaker)
    with pytest.raises(ValidationError, match=r"MOLAO.toml: session 'chieu' session\[1\]\.slot\[6\].*podcast"):
        build_day(session, settings, "MOLAO", on, renderer=TableRenderer(default_ms=10_000), today=today)
    session.rollback()
    assert snapshot(session, on=on) == before


def test_day_dict_has_exactly_the_api_shape(session, settings, demo, today):
    on = next_weekday(today + timedelta(days=1), 5)
    build_day(session, settings, "MOLAO", on, renderer=TableRenderer(), today=today)
    data = day_dict(session, settings, "molao", on)
    assert set(data) == {"station", "date", "sessions"} and data["station"] == "MOLAO"
    for s in data["sessions"]:
        assert set(s) == {"code", "starts_at", "duration_ms", "items"}
        assert s["duration_ms"] == sum(i["duration_ms"] for i in s["items"])
        for it in s["items"]:
            assert set(it) == {
                "position",
                "kind",
                "bulletin_id",
                "title",
                "category",
                "planned_start",
                "duration_ms",
                "clusters",
                "relay",
            }


def test_a_session_that_has_started_is_kept(session, settings, demo, today, make_bulletin):
    from datetime import datetime

    on = next_weekday(today + timedelta(days=1), 1)
    progs = build_day(session, settings, "MOLAO", on, renderer=TableRenderer(default_ms=20_000), today=today)
    sang = progs[0]
    sang.starts_at = datetime.now(UTC) - timedelta(minutes=1)  # as if it were on air now
    before = [(i.id, i.title) for i in sang.items]
    make_bulletin("Tin khẩn mới", priority="emergency")
    again = build_day(session, settings, "MOLAO", on, renderer=TableRenderer(default_ms=20_000), today=today)
    assert [(i.id, i.title) for i in again[0].items] == before
    assert any(i.title == "Tin khẩn mới" for i in again[1].items)


def test_a_bulletin_valid_only_over_the_weekend_is_flagged_on_friday(session, settings, demo, today, make_bulletin):
    friday = next_weekday(today + timedelta(days=1), 5)
    weekend = make_bulletin(
        "Chỉ cuối tuần", valid_from=friday + timedelta(days=1), valid_until=friday + timedelta(days=2)
    )
    progs = build_day(session, settings, "MOLAO", friday, renderer=TableRenderer(default_ms=20_000), today=today)
    flagged = [w for w in progs[-1].warnings if w["code"] == "expiring"]
    assert [w["bulletin_id"] for w in flagged] == [weekend.id] and "không có buổi phát" in flagged[0]["message"]
    monday = friday + timedelta(days=3)
    progs = build_day(session, settings, "MOLAO", monday, renderer=TableRenderer(default_ms=20_000), today=today)
    assert not [w for w in progs[-1].warnings if w["code"] == "expiring" and w["bulletin_id"] == weekend.id]


# --- the phases of build_day ---------------------------------------------------


class BatchTable(TableRenderer):
    """A table renderer with a batch (as SpeechRenderer has): one call for every bulletin."""

    def __init__(self, *a, fail: set[str] = frozenset(), **kw):
        super().__init__(*a, **kw)
        self.fail = fail
        self.batches: list[int] = []

    def bulletin_batch(self, bulletins):
        from broadcast.errors import ValidationError as VE

        self.batches.append(len(bulletins))
        return [VE("không đọc được") if b.title in self.fail else self.bulletin(b) for b in bulletins]


class FailingTable(TableRenderer):
    def __init__(self, *a, fail: set[str] = frozenset(), **kw):
        super().__init__(*a, **kw)
        self.fail = fail

    def bulletin(self, bulletin):
        if bulletin.title in self.fail:
            raise ValidationError("không đọc được")
        return super().bulletin(bulletin)


@pytest.mark.parametrize(
    "renderer, first_progress",
    [
        (BatchTable(by_title={"Hai": 45_000}, fail={"Ba"}), (0, 3, "3 tin (song song)")),
        (FailingTable(by_title={"Hai": 45_000}, fail={"Ba"}), (0, 3, "Một")),
    ],
)
def test_render_candidates_batch_or_one_by_one(
    session, clear_demo_bulletins, make_bulletin, today, renderer, first_progress
):
    from broadcast.programme.build import render_candidates
    from broadcast.programme.candidates import day_candidates

    station = session.scalar(select(Station).where(Station.code == "MOLAO"))
    one, two, three = (make_bulletin(t) for t in ("Một", "Hai", "Ba"))
    candidates = day_candidates(session, station, today, today, set())
    calls = []
    audio, failed = render_candidates(renderer, candidates, lambda *a: calls.append(a))
    assert set(audio) == {one.id, two.id} and set(candidates) == {one.id, two.id}
    assert candidates[two.id][1].duration_ms == 45_000
    assert [(w["code"], w["bulletin_id"]) for w in failed] == [("render_failed", three.id)]
    assert "«Ba»: không đọc được" in failed[0]["message"]
    assert calls[0] == first_progress and calls[-1] == (3, 3, "")
    assert render_candidates(renderer, {}, lambda *a: calls.append(a)) == ({}, []) and calls[-1] == (3, 3, "")


def test_build_day_uses_the_batch(session, settings, clear_demo_bulletins, make_bulletin, today):
    make_bulletin("Một")
    renderer = BatchTable()
    build_day(session, settings, "MOLAO", next_weekday(today + timedelta(days=1), 3), renderer=renderer, today=today)
    assert renderer.batches == [1]


def test_check_assets_names_the_file_and_slot(session, settings, demo, today):
    from broadcast.programme.build import check_assets
    from broadcast.programme.calendar import sessions_on

    class NoAssets(TableRenderer):
        def asset(self, name):
            raise ValidationError(f"Không thấy audio_assets/{name}.", field="file")

    station = session.scalar(select(Station).where(Station.code == "MOLAO"))
    specs = sessions_on(session, station, next_weekday(today + timedelta(days=1), 3))
    with pytest.raises(ValidationError) as err:
        check_assets(NoAssets(), specs, set())
    assert err.value.message.startswith("MOLAO.toml: session 'sang' session[0].slot[0]: Không thấy audio_assets/")
    check_assets(NoAssets(), specs, {s.code for s in specs})  # kept sessions are not checked
