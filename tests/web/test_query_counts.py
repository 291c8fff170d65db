"""N+1 guard: the main pages run a number of SQL statements that does not grow with the data.

Each page is requested with a small and a larger data set (bulletins, their
programme items, as-run rows, lexicon entries); the statement count must be
the same.  ``tests.querycount`` counts on the runtime's engine, so every
statement of the request is seen.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from broadcast.domain.models import (
    AsRun,
    Bulletin,
    Category,
    Department,
    LexiconEntry,
    SessionTemplate,
    Station,
    User,
    bulletin_stations,
)
from broadcast.domain.types import utcnow
from broadcast.programme.build import build_day
from tests.programme.conftest import TableRenderer
from tests.querycount import count_queries
from web import pagecache
from web.admin.reports import PROGRESS_CACHE

CATEGORY_CODES = ("cchc-chung", "cchc-tthc", "y-te", "thong-bao", "phap-luat")


def _today(settings):
    return utcnow().astimezone(settings.tz).date()


def add_rows(runtime, n: int) -> None:
    """n approved bulletins valid today (spread over departments, categories and authors, half of them for
    MOLAO only), n lexicon entries, and n as-run rows of today."""
    today = _today(runtime.settings)
    with runtime.unit() as s:
        cats = s.scalars(select(Category).where(Category.code.in_(CATEGORY_CODES))).all()
        deps = s.scalars(select(Department)).all()
        station = s.scalar(select(Station).where(Station.code == "MOLAO"))
        # MOLAO's submitters: the demo province's other wards' bulletins are not MOLAO's operator's to list.
        authors = s.scalars(select(User).where(User.role == "submitter", User.ward_id == station.ward_id)).all()
        approvers = s.scalars(select(User).where(User.role.in_(("approver", "operator", "admin")))).all()
        start = s.scalar(select(Bulletin.id).order_by(Bulletin.id.desc())) or 0
        for i in range(n):
            author = authors[i % len(authors)]
            b = Bulletin(
                title=f"Tin thử số {start + i + 1}",
                body="Nội dung tin thử để đếm truy vấn. " * 3,
                category_id=cats[i % len(cats)].id,
                department_id=author.department_id or deps[0].id,
                author_id=author.id,
                priority="normal",
                status="approved",
                valid_from=today - timedelta(days=1),
                valid_until=today + timedelta(days=7),
                airings_wanted=3,
                airings_left=3,
                all_stations=i % 2 == 0,
                submitted_at=utcnow(),
                approved_at=utcnow(),
                approved_by_id=approvers[i % len(approvers)].id,
            )
            s.add(b)
            s.flush()
            if not b.all_stations:
                s.execute(bulletin_stations.insert().values(bulletin_id=b.id, station_id=station.id))
            s.add(LexiconEntry(term=f"TU{start + i + 1}", spoken=f"từ thử {start + i + 1}"))
            s.add(
                AsRun(
                    station_id=station.id,
                    air_date=today,
                    session_code="sang",
                    position=i,
                    kind="bulletin",
                    bulletin_id=b.id,
                    title=b.title,
                    category_code=cats[i % len(cats)].code,
                    department_code="VHTT",
                    scheduled_start=utcnow(),
                    actual_start=utcnow(),
                    actual_end=utcnow() + timedelta(seconds=30),
                    planned_ms=30_000,
                    aired_ms=30_000,
                    status="aired",
                    source="playout",
                    sink="null",
                )
            )


def add_stations(runtime, n: int) -> None:
    """n more stations, each a copy of MOLAO's sessions (every page loops over stations somewhere)."""
    with runtime.unit() as s:
        molao = s.scalar(select(Station).where(Station.code == "MOLAO"))
        have = len(s.scalars(select(Station)).all())
        for i in range(n):
            code = f"TEST{have + i}"
            st = Station(ward_id=molao.ward_id, code=code, name=f"Đài thử {code}", sink="null" if i % 2 else "export")
            s.add(st)
            s.flush()
            for t in molao.sessions:
                s.add(
                    SessionTemplate(
                        station_id=st.id,
                        code=t.code,
                        name=t.name,
                        start_time=t.start_time,
                        days="1234567",
                        max_duration_s=t.max_duration_s,
                        slots=t.slots,
                        source_file=t.source_file,
                    )
                )


def build_today(runtime) -> None:
    today = _today(runtime.settings)
    with runtime.unit() as s:
        codes = s.scalars(select(Station.code).order_by(Station.code)).all()
    for code in codes:
        with runtime.unit() as s:
            # short bulletins so that every one of them fits a session: items grow with the rows
            build_day(s, runtime.settings, code, today, renderer=TableRenderer(default_ms=2_000), today=today)


PAGES = {
    "dashboard": ("vanhanh", "/"),
    "dashboard-admin": ("admin", "/"),
    "programmes": ("vanhanh", "/programmes?station=MOLAO"),
    "playout": ("vanhanh", "/playout"),
    "bulletin-list": ("vanhanh", "/bulletins"),
    "bulletin-list-submitter": ("vanhoa", "/bulletins"),
    "report": ("vanhanh", "/reports/airtime"),
    "lexicon": ("vanhanh", "/lexicon"),
}


def _count(runtime, client, url: str) -> tuple[int, str]:
    # count what a visit costs when the dashboard's panels and month report are computed
    PROGRESS_CACHE.clear()
    pagecache.clear(client.application)
    with count_queries(runtime.engine) as counter:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])
    return counter.count, counter.report()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_queries_do_not_grow_with_rows(name, runtime, login_as):
    user, url = PAGES[name]
    add_rows(runtime, 10)
    add_stations(runtime, 1)
    build_today(runtime)
    client = login_as(user)
    client.get(url)  # warm-up: first-request caches (settings, lexicon version) do not count
    small, _ = _count(runtime, client, url)
    add_rows(runtime, 50)
    add_stations(runtime, 3)
    build_today(runtime)
    large, report = _count(runtime, client, url)
    print(f"QUERYCOUNT {name}: {small} -> {large}")
    assert large <= small, f"{url}: {small} statements with 10 rows, {large} with 60\n{report}"


def test_api_bulletin_list_queries_do_not_grow(runtime, client, api_token):
    token = api_token("vanhanh")
    headers = {"Authorization": f"Bearer {token}"}
    add_rows(runtime, 10)
    client.get("/api/v1/bulletins", headers=headers)
    with count_queries(runtime.engine) as small:  # a page of 5 ...
        r = client.get("/api/v1/bulletins?per_page=5", headers=headers)
    assert r.status_code == 200 and len(r.get_json()["items"]) == 5
    add_rows(runtime, 50)
    with count_queries(runtime.engine) as large:  # ... and of 60 cost the same statements
        r = client.get("/api/v1/bulletins?per_page=60", headers=headers)
    assert r.status_code == 200 and len(r.get_json()["items"]) == 60
    assert large.count <= small.count, f"10 rows: {small.count}, 60 rows: {large.count}\n{large.report()}"


def test_counter_sees_the_statements(runtime, demo):
    with count_queries(runtime.engine) as counter, runtime.unit() as s:
        s.scalars(select(Bulletin)).all()
        s.scalars(select(Station)).all()
    assert counter.count == 2
    assert "FROM bulletins" in counter.statements[0]


def _weekday_ahead(settings, days: int):
    """A Monday to Friday at least ``days`` ahead: the demo's sessions air on weekdays."""
    day = _today(settings) + timedelta(days=days)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day


@pytest.mark.parametrize("user", ["vanhanh", "xem"])
def test_programme_page_statements_are_fixed(user, runtime, login_as):
    """The day page: user, stations, programmes, sessions, overrides, categories; once something is built,
    the items, their bulletins and (for an editor) what may be inserted and the relay sources: one query
    each, whatever the number of sessions, items and bulletins."""
    from broadcast.programme.build import build_day
    from tests.programme.conftest import TableRenderer

    client = login_as(user)
    empty, built = _weekday_ahead(runtime.settings, 2), _weekday_ahead(runtime.settings, 5)
    url = "/programmes?station=MOLAO&date={}"
    client.get(url.format(empty))
    with count_queries(runtime.engine) as nothing_built:
        assert client.get(url.format(empty)).status_code == 200
    assert nothing_built.count <= 6, nothing_built.report()
    counts = []
    for rows in (10, 50):
        add_rows(runtime, rows)
        with runtime.unit() as s:
            build_day(s, runtime.settings, "MOLAO", built, renderer=TableRenderer(default_ms=2_000))
        with count_queries(runtime.engine) as counter:
            html = client.get(url.format(built)).get_data(as_text=True)
        assert html.count('class="card prog-session"') == 2 and "Tin thử số" in html
        counts.append(counter.count)
    assert counts[0] == counts[1] <= nothing_built.count + (4 if user == "vanhanh" else 2), counter.report()


def test_dashboard_panels_now_airing_and_today_statements(runtime, app, demo):
    """What airs (stations, then runs: running and recent errors together), the scheduler's lease, and today's
    sessions (templates with their stations, overrides, programmes' totals): a fixed few statements,
    whatever the number of stations."""
    from broadcast.playout import status
    from web import db_session
    from web.nav import DASHBOARD_WIDGETS

    today_panel = next(w for w in DASHBOARD_WIDGETS if w.template == "admin/programmes/_today_widget.html")
    for more in (0, 3):
        add_stations(runtime, more)
        build_today(runtime)
        with app.test_request_context("/"):
            session = db_session()
            with count_queries(runtime.engine) as airing:
                status.now_airing(session, runtime)
            with count_queries(runtime.engine) as lease:
                status.scheduler_state(runtime)
            with count_queries(runtime.engine) as today:
                panel = today_panel.context(None)
        assert (airing.count, lease.count, today.count) == (2, 1, 3), airing.report() + lease.report() + today.report()
        # the demo's MOLAO airs on weekdays, the stations added here every day
        weekday = _today(runtime.settings).isoweekday() <= 5
        assert len({r["station"]["code"] for r in panel["rows"]}) == int(weekday) + more
