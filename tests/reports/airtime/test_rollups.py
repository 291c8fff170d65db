"""The day rollups (migration 0015): the triggers keep them equal to the as-run rows through inserts and the
playout's updates, and the report read from them equals the report read from the rows, on both databases."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from broadcast.domain.models import AsRun, AsRunDayItem, AsRunDaySession, Station, Ward
from broadcast.reports.airtime import airtime_report, rollups
from broadcast.reports.periods import parse_period

AIRED = ("aired", "interrupted")
COUNTED = (*AIRED, "failed", "skipped", "missed")
CATEGORIES = ("cchc-tthc", "cchc-chinh-quyen-so", "y-te", "thien-tai", None)
SESSIONS = ("sang", "chieu", None)
DEPARTMENTS = ("VP", "VHTT", None)
TITLES = ("Thông báo lịch tiếp công dân", "Hướng dẫn nộp hồ sơ trực tuyến", "Nhạc hiệu")


def _ms(status, aired_ms, planned_ms):
    if status not in AIRED:
        return 0
    return aired_ms if aired_ms or status == "interrupted" else (planned_ms or 0)


def expected_rollups(session) -> tuple[dict, dict]:
    """The two rollups computed in Python from every as-run row, rows of all-zero counts left out."""
    ward_of = dict(session.execute(select(Station.id, Station.ward_id)).all())
    sess, item = defaultdict(lambda: [0, 0, 0, 0]), defaultdict(lambda: [0, 0, 0, 0, 0, None, None])
    for r in session.scalars(select(AsRun)):
        if r.status not in COUNTED:
            continue
        ms = _ms(r.status, r.aired_ms, r.planned_ms)
        s = sess[(r.air_date, r.station_id, r.session_code or "", r.category_code or "")]
        s[0] += r.status in AIRED
        s[1] += ms
        s[2] += ms if r.kind == "relay" else 0
        s[3] += r.status not in AIRED
        if r.status in AIRED:
            key = (r.air_date, ward_of.get(r.station_id, 0), r.bulletin_id or 0, r.title, r.category_code or "")
            i = item[(*key, r.department_code or "")]
            manual = r.source == "manual"
            i[0], i[1], i[2], i[3] = i[0] + 1, i[1] + ms, i[2] + manual, i[3] + (ms if manual else 0)
            i[4] += r.status == "interrupted"
            i[5] = min(i[5] or r.actual_start, r.actual_start)
            i[6] = max(i[6] or r.actual_start, r.actual_start)
    return {k: v for k, v in sess.items() if any(v)}, dict(item)


def stored_rollups(session) -> tuple[dict, dict]:
    S, I = AsRunDaySession, AsRunDayItem  # noqa: E741
    sess = {
        (r.air_date, r.station_id, r.session_code, r.category_code): [r.aired_n, r.aired_ms, r.relay_ms, r.not_aired_n]
        for r in session.scalars(select(S))
        if r.aired_n or r.aired_ms or r.relay_ms or r.not_aired_n
    }
    item = {
        (r.air_date, r.ward_id, r.bulletin_id, r.title, r.category_code, r.department_code): [
            r.n,
            r.ms,
            r.manual_n,
            r.manual_ms,
            r.interrupted_n,
            r.first_at,
            r.last_at,
        ]
        for r in session.scalars(select(I))
        if r.n
    }
    return sess, item


@pytest.fixture
def two_wards(session):
    """Two wards, three stations, and a random October log written as the playout writes it: rows opened
    ``airing`` then closed (aired, interrupted or failed), heartbeats between, and rows written final."""
    wards = [Ward(code="MOLAO", name="Phường Mộ Lao"), Ward(code="KIENHUNG", name="Phường Kiến Hưng")]
    stations = [
        Station(ward=wards[0], code="MOLAO", name="Đài Mộ Lao"),
        Station(ward=wards[0], code="TDP5", name="Cụm Tổ dân phố 5"),
        Station(ward=wards[1], code="KIENHUNG", name="Đài Kiến Hưng"),
    ]
    session.add_all(wards + stations)
    session.flush()
    rnd = random.Random(16)
    opened = []
    for n in range(400):
        day = date(2025, 9, 29) + timedelta(days=rnd.randrange(34))  # spills over both ends of October
        status = rnd.choice(("airing", "airing", "aired", "aired", "interrupted", "failed", "skipped", "missed"))
        planned = rnd.randint(20, 200) * 1000
        row = AsRun(
            station_id=rnd.choice(stations).id,
            air_date=day,
            session_code=rnd.choice(SESSIONS),
            category_code=rnd.choice(CATEGORIES),
            department_code=rnd.choice(DEPARTMENTS),
            title=rnd.choice(TITLES),
            kind=rnd.choice(("bulletin", "bulletin", "relay", "filler")),
            source=rnd.choice(("playout", "playout", "manual")),
            status=status,
            aired_ms=rnd.choice((0, planned // 2, planned)) if status in AIRED else 0,
            planned_ms=rnd.choice((planned, None)),
            actual_start=datetime(day.year, day.month, day.day, 6, tzinfo=UTC) + timedelta(minutes=n),
        )
        session.add(row)
        if status == "airing":
            opened.append(row)
    session.flush()
    for row in opened[::3]:  # a heartbeat: counts nowhere until closed
        session.execute(update(AsRun).where(AsRun.id == row.id).values(aired_ms=5_000, heartbeat_at=row.actual_start))
    for row in opened[: len(opened) * 2 // 3]:
        status = rnd.choice(("aired", "interrupted", "failed"))
        aired = rnd.choice((0, 30_000)) if status != "failed" else 0
        session.execute(update(AsRun).where(AsRun.id == row.id).values(status=status, aired_ms=aired))
    session.flush()
    return wards, stations


def test_the_rollups_equal_the_rows_after_inserts_heartbeats_and_closing(session, two_wards):
    expected_sess, expected_item = expected_rollups(session)
    stored_sess, stored_item = stored_rollups(session)
    assert len(expected_sess) > 50 and len(expected_item) > 50
    assert stored_sess == expected_sess
    assert stored_item == expected_item


def test_a_heartbeat_or_a_note_changes_no_rollup(session, two_wards):
    before = stored_rollups(session)
    airing = session.scalars(select(AsRun).where(AsRun.status == "airing")).all()
    aired = session.scalars(select(AsRun).where(AsRun.status == "aired")).all()
    assert airing and aired
    session.execute(update(AsRun).where(AsRun.id.in_([r.id for r in airing])).values(aired_ms=99_000))
    session.execute(update(AsRun).where(AsRun.id.in_([r.id for r in aired])).values(note="đã nghe lại"))
    session.flush()
    assert stored_rollups(session) == before


def _report(session, monkeypatch, from_rollups: bool, **kwargs) -> dict:
    if not from_rollups:
        monkeypatch.setattr(rollups, "covers", lambda scope: False)
        monkeypatch.setattr(rollups, "covers_items", lambda scope: False)
    report = airtime_report(session, parse_period("2025-10"), **kwargs)
    monkeypatch.undo()
    report.pop("generated_at", None)
    return report


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({}, id="province"),
        pytest.param({"wards": "MOLAO"}, id="one-ward"),
        pytest.param({"wards": "MOLAO,KIENHUNG"}, id="chosen-wards"),
        pytest.param({"station": "TDP5"}, id="one-station"),
    ],
)
def test_the_report_from_the_rollups_equals_the_report_from_the_rows(session, two_wards, monkeypatch, kwargs):
    from_rows = _report(session, monkeypatch, False, **kwargs)
    from_rollups = _report(session, monkeypatch, True, **kwargs)
    assert from_rows["totals"]["airings"] > 0
    assert from_rollups == from_rows


def test_a_cluster_report_reads_the_rows(session, two_wards):
    from broadcast.reports.airtime.scope import ClusterFilter, Scope

    period = parse_period("2025-10")
    cluster = ClusterFilter("TDP05", "Tổ dân phố 5", (two_wards[1][0].id,), ())
    scope = Scope(period, None, two_wards[0][0], cluster.station_ids, cluster, (two_wards[0][0],))
    assert not rollups.covers(scope) and not rollups.covers_items(scope)
    whole = Scope(period, None, two_wards[0][0], (two_wards[1][0].id,), None, (two_wards[0][0],))
    assert rollups.covers(whole) and rollups.covers_items(whole)
