"""The device health page (web/admin/devices.py): the table and the alerts on top, a device's history newest
first and paged, the operator's command form (bad input: a Vietnamese message and nothing queued), the
dashboard panel, and a number of queries that does not grow with the devices."""

from __future__ import annotations

import html as htmllib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from broadcast.domain.models import AuditLog, DeviceCommand, Station
from broadcast.domain.types import utcnow
from broadcast.network.devices import add_device, apply_status, get_device, record_event, set_online
from tests.conftest import csrf_from
from tests.network.test_health import add_programme
from tests.querycount import count_queries
from web.admin.reports import PROGRESS_CACHE


@pytest.fixture
def devices(runtime, demo):
    """MOLAO aired by its agents: LOA01 online (a full heartbeat), LOA02 gone (its last will), and a session
    that ended two hours ago which neither aired."""
    now = utcnow()
    with runtime.unit() as s:
        station = s.scalar(select(Station).where(Station.code == "MOLAO"))
        station.sink = "agent"
        one, _ = add_device(s, "LOA01", "MOLAO", "TDP01")
        two, _ = add_device(s, "LOA02", "MOLAO")
        for d in (one, two):
            d.created_at = now - timedelta(days=2)
        heartbeat = {
            "now_playing": "Nhạc hiệu",
            "disk_free": 10 * 1024**3,
            "temperature": 47.5,
            "version": "0.9.1",
            "volume": 70,
            "outbox": 12,
            "outbox_oldest": (now - timedelta(hours=3)).isoformat(),
        }
        apply_status(s, one, heartbeat)
        set_online(s, two, True)
        set_online(s, two, False, {"via": "will"})
        start = now - timedelta(hours=3)
        add_programme(s, station, start, on_date=start.astimezone(runtime.settings.tz).date())
    return now


def page(client, url: str) -> str:
    return htmllib.unescape(client.get(url).get_data(as_text=True))


def test_page_shows_each_device_and_the_alerts_on_top(login_as, devices):
    html = page(login_as("vanhanh"), "/devices")
    alerts, table = html.split('data-section="alerts"')[1].split("Tình trạng từng thiết bị")
    assert "Thiết bị LOA02 (đài MOLAO) mất kết nối từ" in alerts
    assert "Thiết bị LOA01 không phát buổi sáng (sang)" in alerts and "Thiết bị LOA02 không phát buổi" in alerts
    assert "Thiết bị LOA01 (đài MOLAO) còn 12 dòng nhật ký phát chưa gửi về máy chủ" in alerts
    assert "Cảnh báo (4)" in html
    loa01 = table.split('data-device="LOA01"')[1].split("</tr>")[0]
    for shown in ("Trực tuyến", "TDP01", "Nhạc hiệu", "10,0 GB", "47,5 °C", "0.9.1", "12 dòng"):
        assert shown in loa01, shown
    loa02 = table.split('data-device="LOA02"')[1].split("</tr>")[0]
    assert "Ngoại tuyến" in loa02 and "từ " in loa02


def test_viewer_reads_but_sends_no_command_and_others_are_refused(client, login_as, devices):
    login_as("xem")
    assert "Trực tuyến" in page(client, "/devices")
    detail = page(client, "/devices/LOA01")
    assert "LOA01" in detail and 'data-section="commands"' not in detail
    token = csrf_from(detail)
    assert client.post("/devices/LOA01/command", data={"action": "stop", "csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login_as("vanhoa")
    assert client.get("/devices").status_code == 403


def test_unknown_device_is_404(login_as, devices):
    client = login_as("vanhanh")
    assert client.get("/devices/KHONGCO").status_code == 404
    assert client.get("/devices/LOA01?page=abc").status_code == 400


def test_history_newest_first_and_paged(runtime, login_as, devices):
    with runtime.unit() as s:
        device = get_device(s, "LOA01")
        for n in range(30):
            record_event(s, device, "refused", {"n": n}, at=devices + timedelta(minutes=n))
    client = login_as("vanhanh")
    first = page(client, "/devices/LOA01").split('data-section="events"')[1]
    numbers = [int(chunk.split("}")[0]) for chunk in first.split('{"n": ')[1:]]
    assert numbers == list(range(29, 4, -1))  # 25 a page, newest first
    assert "Trang 1 / 2" in first and "/devices/LOA01?page=2" in first
    second = page(client, "/devices/LOA01?page=2").split('data-section="events"')[1]
    assert [int(c.split("}")[0]) for c in second.split('{"n": ')[1:]] == [4, 3, 2, 1, 0]
    assert "Kết nối" in second  # the connect of the first heartbeat is the oldest event


def _post(client, data: dict) -> str:
    token = csrf_from(client.get("/devices/LOA01").get_data(as_text=True))
    response = client.post("/devices/LOA01/command", data=data | {"csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200
    return htmllib.unescape(response.get_data(as_text=True))


def _commands(runtime) -> list[tuple[str, dict]]:
    with runtime.unit() as s:
        return [(c.action, c.args) for c in s.scalars(select(DeviceCommand).order_by(DeviceCommand.id))]


def test_operator_sends_commands_audited(runtime, login_as, devices):
    client = login_as("vanhanh")
    assert "Đã gửi lệnh #1 tới thiết bị LOA01." in _post(client, {"action": "volume", "level": "60"})
    html = _post(client, {"action": "play", "session": "sang", "date": "2026-11-30"})
    assert "Đã gửi lệnh #2" in html and "đang chờ thiết bị" in html
    _post(client, {"action": "resync"})
    assert _commands(runtime) == [
        ("volume", {"level": 60}),
        ("play", {"session": "sang", "date": "2026-11-30"}),
        ("resync", {}),
    ]
    with runtime.unit() as s:
        audited = s.scalars(select(AuditLog).where(AuditLog.action.like("device.command.%"))).all()
        assert [a.action for a in audited] == ["device.command.volume", "device.command.play", "device.command.resync"]
        assert {a.username for a in audited} == {"vanhanh"}


@pytest.mark.parametrize(
    "data,message",
    [
        ({"action": "volume", "level": "to lắm"}, "Âm lượng phải là số nguyên từ 0 đến 100."),
        ({"action": "volume", "level": "150"}, "Âm lượng phải là số nguyên từ 0 đến 100."),
        ({"action": "play", "session": "dem"}, "Đài MOLAO không có buổi phát 'dem'."),
        ({"action": "play", "session": "sang", "date": "30/11"}, "Ngày không hợp lệ ('30/11')"),
        ({"action": "emergency"}, "Chọn một lệnh: phát ngay, dừng, bỏ qua, âm lượng hoặc đồng bộ lại."),
        ({"action": ""}, "Chọn một lệnh"),
    ],
)
def test_bad_command_input_is_refused_and_changes_nothing(runtime, login_as, devices, data, message):
    client = login_as("vanhanh")
    with runtime.unit() as s:
        audits = s.scalar(select(func.count(AuditLog.id)))
    html = _post(client, data)
    assert 'class="flash flash-error"' in html and message in html
    assert _commands(runtime) == []
    with runtime.unit() as s:
        assert s.scalar(select(func.count(AuditLog.id))) == audits


def test_command_form_needs_its_csrf_token(runtime, login_as, devices):
    client = login_as("vanhanh")
    assert client.post("/devices/LOA01/command", data={"action": "stop"}).status_code == 400
    assert _commands(runtime) == []


def test_dashboard_panel_counts_and_alerts(login_as, devices):
    html = page(login_as("vanhanh"), "/")
    panel = html.split('data-widget="devices"')[1].split("</section>")[0]
    assert "Trực tuyến: <strong>1</strong>" in panel and "Ngoại tuyến: <strong>1</strong>" in panel
    assert "mất kết nối từ" in panel and 'href="/devices/LOA02"' in panel and 'href="/devices"' in panel
    nav = html.split('class="mainnav"')[1].split("</nav>")[0]
    assert ">Thiết bị</a>" in nav


def test_no_panel_without_devices(login_as):
    html = login_as("vanhanh").get("/").get_data(as_text=True)
    assert 'data-widget="devices"' not in html and ">Thiết bị</a>" in html


def test_queries_do_not_grow_with_devices(runtime, login_as, devices):
    client = login_as("vanhanh")

    def counts():
        result = []
        for url in ("/devices", "/devices/LOA01", "/"):
            PROGRESS_CACHE.clear()  # the dashboard's month report is computed on each count
            with count_queries(runtime.engine) as counter:
                assert client.get(url).status_code == 200
            result.append(counter.count)
        return result

    small = counts()
    with runtime.unit() as s:
        for n in range(3, 23):
            device, _ = add_device(s, f"LOA{n:02d}", "MOLAO")
            apply_status(s, device, {"outbox": n, "outbox_oldest": (devices - timedelta(hours=2)).isoformat()})
            record_event(s, device, "refused", {"n": n})
    assert counts() == small, small
