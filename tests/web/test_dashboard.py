"""The dashboard (web/admin/views.py) with its per-role menu, and its bulletin panel: the "tin chờ duyệt"
headline and the status counts under it tell the same story for every role."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from broadcast.bulletins import queries
from broadcast.bulletins.permissions import OPERATOR_MAY_APPROVE_NORMAL, set_setting
from broadcast.domain.models import User
from tests.bulletins.fast import fast_hashing  # noqa: F401  (autouse)

ONE_PER_ROLE = {"admin": "admin", "operator": "vanhanh", "approver": "lanhdao", "submitter": "mttq", "viewer": "xem"}


def _panel(html: str) -> str:
    return html.split('data-widget="bulletins"')[1].split("</section>")[0]


def _numbers(panel: str) -> tuple[int | None, int, int | None]:
    headline = re.search(r"(\d+) tin chờ duyệt", panel)
    counted = re.search(r"Chờ duyệt</a>: <strong>(\d+)</strong>", panel)
    reviewable = re.search(r'data-reviewable="(\d+)"', panel)
    return (
        int(headline.group(1)) if headline else None,
        int(counted.group(1)),
        int(reviewable.group(1)) if reviewable else None,
    )


def _check(client, session, username: str, role: str) -> None:
    headline, counted, reviewable = _numbers(_panel(client.get("/").get_data(as_text=True)))
    user = session.scalar(select(User).where(User.username == username))
    may_approve = queries.queue_count(session, user)
    if role in ("admin", "operator", "approver"):
        assert headline == counted, (role, headline, counted)
        # the queue's own number is named as such whenever it differs from the headline
        assert (reviewable if reviewable is not None else headline) == may_approve
        assert reviewable is None or f"Trong đó bạn được duyệt {reviewable} tin." in client.get("/").get_data(
            as_text=True
        )
    else:
        assert headline is None and reviewable is None
    assert counted == queries.status_counts(session, user)["submitted"]


@pytest.mark.parametrize("role", list(ONE_PER_ROLE))
def test_headline_and_counts_agree(login_as, session, role):
    client = login_as(ONE_PER_ROLE[role])
    _check(client, session, ONE_PER_ROLE[role], role)


@pytest.mark.parametrize("role", ["operator", "approver", "admin"])
def test_headline_and_counts_agree_when_operators_may_approve(login_as, session, role):
    set_setting(session, OPERATOR_MAY_APPROVE_NORMAL, True)
    session.commit()
    client = login_as(ONE_PER_ROLE[role])
    _check(client, session, ONE_PER_ROLE[role], role)


def test_an_approver_who_submitted_sees_the_queue_without_their_own(login_as, client, session):
    """An approver's own submission waits for someone else: counted, but not theirs to approve."""
    from tests.web.test_bulletins_pages import create, post_action

    login_as("lanhdao")
    post_action(client, create(client), "submit")
    headline, counted, reviewable = _numbers(_panel(client.get("/").get_data(as_text=True)))
    assert headline == counted == 3 and reviewable == 2


def test_operator_with_nothing_to_approve(login_as, session):
    client = login_as("vanhanh")
    html = client.get("/").get_data(as_text=True)
    assert "2 tin chờ duyệt" in html and "Trong đó bạn được duyệt 0 tin." in html


NAV = {
    "vanhoa": ({"Tin bài", "Viết tin"}, {"Duyệt tin", "Người dùng"}),
    "lanhdao": ({"Tin bài", "Viết tin", "Duyệt tin"}, {"Người dùng", "Đơn vị"}),
    "vanhanh": ({"Tin bài", "Duyệt tin"}, {"Người dùng"}),
    "xem": ({"Tin bài"}, {"Viết tin", "Duyệt tin", "Người dùng"}),
    "admin": ({"Tin bài", "Duyệt tin", "Người dùng", "Đơn vị", "Đài"}, set()),
}


@pytest.mark.parametrize("username", list(NAV))
def test_navigation_per_role_and_dashboard_widget(login_as, username):
    client = login_as(username)
    html = client.get("/").get_data(as_text=True)
    nav = html.split('class="mainnav"')[1].split("</nav>")[0]
    links = set(re.findall(r">([^<>]+)</a>", nav))
    shown, hidden = NAV[username]
    assert shown <= links and not (hidden & links), links
    assert 'data-widget="bulletins"' in html
    if username in ("lanhdao", "admin"):
        assert "2 tin chờ duyệt" in html


def test_menu_order_for_the_admin(login_as):
    """web/admin/__init__.py imports the page modules in menu order; moving users, departments and
    stations into their own modules kept them right after the bulletin desk."""
    html = login_as("admin").get("/").get_data(as_text=True)
    nav = html.split('class="mainnav"')[1].split("</nav>")[0]
    links = re.findall(r">([^<>]+)</a>", nav)
    expected = [
        "Tổng quan",
        "Tin bài",
        "Viết tin",
        "Duyệt tin",
        "Người dùng",
        "Đơn vị",
        "Đài",
        "Chương trình",
        "Báo cáo",
        "Kế hoạch",
        "Phát sóng",
        "Thiết bị",
        "Từ điển phát âm",
        "Nhật ký thao tác",
    ]
    assert [link for link in links if link in expected] == expected


def test_progress_panel_follows_a_new_as_run_row_at_once(login_as, runtime):
    from datetime import timedelta

    from sqlalchemy import select

    from broadcast.domain.models import AsRun, Station
    from broadcast.domain.types import utcnow

    client = login_as("vanhanh")

    def panel() -> str:
        html = client.get("/").get_data(as_text=True)
        return html.split('data-widget="report-progress"')[1].split("</section>")[0]

    before = panel()
    assert panel() == before  # served from the cached month report
    with runtime.unit() as s:
        station = s.scalar(select(Station).order_by(Station.id))
        now = utcnow()
        s.add(
            AsRun(
                station_id=station.id,
                air_date=now.astimezone(runtime.settings.tz).date(),
                session_code="sang",
                category_code="cchc-tthc",
                title="Tin thêm",
                actual_start=now - timedelta(minutes=20),
                actual_end=now - timedelta(minutes=5),
                aired_ms=900_000,
                planned_ms=900_000,
                status="aired",
            )
        )
    assert panel() != before


def _today_panel(client) -> list[str]:
    html = client.get("/").get_data(as_text=True)
    panel = html.split('class="card panel-programmes"')[1].split("</section>")[0]
    return panel.split("<tbody>")[1].split("<tr>")[1:]


def test_today_panel_gives_each_session_its_length_lock_and_warnings(login_as, session, settings):
    """The panel sums the items in SQL: its figures are the built programme's, a locked session says so,
    a session not built says so, and a disabled station is left out."""
    from broadcast.domain.models import Programme, SessionTemplate, Station
    from broadcast.domain.types import utcnow
    from broadcast.programme.build import build_day
    from broadcast.programme.fill import fmt_ms
    from tests.programme.conftest import TableRenderer

    today = utcnow().astimezone(settings.tz).date()
    molao = session.scalar(select(Station).where(Station.code == "MOLAO"))
    for t in molao.sessions:
        t.days = "1234567"  # whatever today is
    quiet = Station(ward_id=molao.ward_id, code="TATDAI", name="Đài đã tắt", sink="null", enabled=False)
    session.add(quiet)
    session.flush()
    for t in molao.sessions:
        session.add(
            SessionTemplate(
                station_id=quiet.id,
                code=t.code,
                name=t.name,
                start_time=t.start_time,
                days="1234567",
                max_duration_s=t.max_duration_s,
                slots=t.slots,
            )
        )
    session.commit()
    client = login_as("vanhanh")
    before = _today_panel(client)
    assert len(before) == len(molao.sessions) and all("Chưa dựng" in row for row in before)

    build_day(session, settings, "MOLAO", today, renderer=TableRenderer(default_ms=20_000), today=today)
    programmes = list(
        session.scalars(
            select(Programme)
            .where(Programme.station_id == molao.id, Programme.on_date == today)
            .order_by(Programme.starts_at)
        )
    )
    programmes[-1].locked = True
    session.commit()
    rows = _today_panel(client)
    assert len(rows) == len(programmes) == len(molao.sessions) and "TATDAI" not in "".join(rows)
    for row, p in zip(rows, programmes, strict=True):
        total = sum(i.duration_ms for i in p.items)
        assert total > 0 and f"{fmt_ms(total)} / {fmt_ms(p.max_duration_s * 1000)}" in row, row
        assert ("🔒 Đã khóa" in row) == p.locked and ("Đã dựng" in row) != p.locked
        assert (f"{len(p.warnings)} cảnh báo" in row) if p.warnings else "cảnh báo" not in row
        assert f'href="/programmes?station=MOLAO&amp;date={today.isoformat()}"' in row


def test_scheduler_state_reads_the_lease_as_the_lease_module_does(runtime, demo):
    """The dashboard reads the lease on a bare connection; its answer is lease.scheduler_running's."""
    import socket

    from broadcast.playout import lease, status

    assert status.scheduler_state(runtime) is lease.scheduler_running(runtime) is False
    me = lease.process_holder()
    lease.acquire(runtime, me, 30)
    assert status.scheduler_state(runtime) is lease.scheduler_running(runtime) is True
    lease.release(runtime, me)
    assert status.scheduler_state(runtime) is lease.scheduler_running(runtime) is False
    lease.acquire(runtime, f"{socket.gethostname()}:999999999:dead", 300)  # a dead holder on this host
    assert status.scheduler_state(runtime) is lease.scheduler_running(runtime) is False
