"""The report's SQL against a small log, on whichever database the suite runs (SQLite or PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from broadcast.domain.models import AsRun, Station, Ward
from broadcast.reports.airtime import queries
from broadcast.reports.airtime.figures import Figures, SessionCounts, roll_sessions
from broadcast.reports.airtime.scope import Scope
from broadcast.reports.periods import parse_period

D1, D2 = date(2025, 10, 1), date(2025, 10, 2)


def test_session_figures_by_station_day_and_sessions(session):
    ward = Ward(code="W", name="W")
    one, two = Station(ward=ward, code="S1", name="S1"), Station(ward=ward, code="S2", name="S2")
    session.add_all([ward, one, two])
    session.flush()

    def row(st, d, q, cat, status, aired_ms, planned_ms=None):
        session.add(
            AsRun(
                station_id=st.id,
                air_date=d,
                session_code=q,
                category_code=cat,
                status=status,
                aired_ms=aired_ms,
                planned_ms=planned_ms,
                actual_start=datetime(2025, 10, 1, tzinfo=UTC),
                title="t",
                kind="bulletin",
            )
        )

    row(one, D1, "sang", "cchc-tthc", "aired", 120_000)
    row(one, D1, "sang", "y-te", "interrupted", 60_000, 90_000)
    row(two, D1, "sang", "van-hoa", "aired", 0, 240_000)  # no measured time: its planned duration
    row(one, D2, "chieu", "van-hoa", "aired", 60_000)
    row(one, D2, None, "cchc-tthc", "aired", 30_000)  # no session code: airtime, no session
    row(one, D1, "sang", "y-te", "failed", 0)  # a failed item in an aired session: not missed
    row(one, D2, "toi", "y-te", "missed", 0)  # nothing aired: missed
    row(one, D2, "toi", "y-te", "skipped", 0)
    row(two, D2, None, "y-te", "failed", 0)  # no session code: counted, never missed
    row(one, date(2025, 11, 1), "sang", "y-te", "missed", 0)  # outside the period
    session.flush()

    scope = Scope(parse_period("2025-10"), None, ward, None)
    r = roll_sessions(queries.session_figures(session, scope, ("cchc-tthc", "van-hoa")), ("cchc-tthc", "van-hoa"))
    assert r.by_station[one.id] == Figures(airings=4, ms=270_000, cchc_airings=2, cchc_ms=150_000, not_aired=3)
    assert r.by_station[two.id] == Figures(airings=1, ms=240_000, not_aired=1)
    assert r.by_day[D1] == Figures(airings=3, ms=420_000, cchc_airings=1, cchc_ms=120_000)
    assert r.by_day[D2] == Figures(airings=2, ms=90_000, cchc_airings=1, cchc_ms=30_000)
    assert r.sessions[one.id] == SessionCounts(aired=2, missed=1, cchc=1)
    assert r.sessions[two.id] == SessionCounts(aired=1)
    # the flag of a row without a session does not count
    assert r.sessions_by_category == {"cchc-tthc": 1, "van-hoa": 2}
    # one station only
    r = roll_sessions(queries.session_figures(session, Scope(scope.period, two, ward, (two.id,)), ()), ())
    assert set(r.by_station) == {two.id} and r.by_day[D1].ms == 240_000 and r.by_station[two.id].not_aired == 1
