"""The bulletins a day may carry, their promised airings and rotation history."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from broadcast.domain.models import Programme, Station
from broadcast.programme.build import build_day
from broadcast.programme.candidates import account, day_candidates, unreachable_warnings
from broadcast.programme.fill import Candidate

from .conftest import TableRenderer, next_weekday


def test_account_counts_one_airing():
    c = Candidate(id=1, title="T", category="thoi-su", duration_ms=1, airings_left=3, aired_count=1)
    account(c, date(2025, 10, 1))
    assert (c.airings_left, c.aired_count, c.last_aired) == (2, 2, date(2025, 10, 1))


def test_candidates_filtered_and_promised_airings(session, settings, clear_demo_bulletins, make_bulletin, today):
    station = session.scalar(select(Station).where(Station.code == "MOLAO"))
    other = Station(ward=station.ward, code="XA2", name="Cụm 2")
    session.add(other)
    session.flush()
    mine = make_bulletin("Cho mọi đài", airings=3)
    make_bulletin("Chỉ đài khác", all_stations=False, stations=[other])
    make_bulletin("Chưa duyệt", status="submitted")
    make_bulletin("Hết hạn", valid_until=today - timedelta(days=1))
    tue = next_weekday(today + timedelta(days=1), 2)
    found = day_candidates(session, station, tue, today, set())
    assert [b.title for b, _ in found.values()] == ["Cho mọi đài"]
    assert found[mine.id][1].airings_left == 3 and found[mine.id][1].aired_count == 0
    # a day built before promises airings to later days; rebuilding that day's own programmes gives them back
    build_day(session, settings, "MOLAO", tue, renderer=TableRenderer(), today=today)
    wed = tue + timedelta(days=1)
    promised = day_candidates(session, station, wed, today, set())[mine.id][1]
    assert promised.airings_left == 1 and promised.aired_count == 2 and promised.last_aired == tue
    built = set(session.scalars(select(Programme.id).where(Programme.on_date == tue)))
    same_day = day_candidates(session, station, tue, today, built)[mine.id][1]
    assert (same_day.airings_left, same_day.aired_count) == (3, 0)


def test_unreachable_bulletin_between_session_days(session, clear_demo_bulletins, make_bulletin, today):
    station = session.scalar(select(Station).where(Station.code == "MOLAO"))
    friday = next_weekday(today + timedelta(days=1), 5)
    saturday = friday + timedelta(days=1)
    b = make_bulletin("Chỉ cuối tuần", valid_from=saturday, valid_until=saturday + timedelta(days=1))
    warnings = unreachable_warnings(session, station, friday)
    assert [(w["code"], w["bulletin_id"]) for w in warnings] == [("expiring", b.id)]
    assert unreachable_warnings(session, station, friday - timedelta(days=1)) == []  # Thursday: Friday follows
