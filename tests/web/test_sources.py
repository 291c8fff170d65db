"""Nguồn tiếp sóng on the web (web/admin/sources.py, web/api/sources.py): the page and the API, who may look and
who may change, bad input answered in Vietnamese with nothing changed, "check now", and the dashboard's line of
relays coming up with each source's health (its statements do not grow with the relays)."""

from __future__ import annotations

import html as htmllib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from broadcast.domain.models import AuditLog, Station, UpstreamSource
from broadcast.domain.types import utcnow
from broadcast.relay import sources as service
from tests.conftest import csrf_from
from tests.querycount import count_queries
from tests.relay.test_probe import closed_port
from tests.relay.test_sources import SILENT, TONE, add_relay_programme, relay
from web.admin.reports import PROGRESS_CACHE

VOV1 = {"code": "VOV1", "name": "VOV1 – Thời sự", "url": "http://vov.example/vov1", "category": "national"}


@pytest.fixture
def vov1(runtime, demo):
    with runtime.unit() as s:
        service.add_source(s, **VOV1)


@pytest.fixture
def fake_probe(monkeypatch):
    """check_source's probe answers at once: a tone for VOV1's address, silence for any other."""
    asked = []

    def probe(url, *, timeout_s):
        asked.append(url)
        return TONE if url == VOV1["url"] else SILENT

    monkeypatch.setattr(service, "probe_stream", probe)
    return asked


def page(client, url: str = "/sources") -> str:
    return htmllib.unescape(client.get(url).get_data(as_text=True))


def post(client, url: str, data: dict) -> str:
    token = csrf_from(client.get("/sources").get_data(as_text=True))
    response = client.post(url, data=data | {"csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200
    return htmllib.unescape(response.get_data(as_text=True))


def sources(runtime) -> list[tuple]:
    with runtime.unit() as s:
        rows = s.scalars(select(UpstreamSource).order_by(UpstreamSource.code))
        return [(r.code, r.name, r.url, r.category, r.enabled) for r in rows]


def audit_actions(runtime) -> list[str]:
    with runtime.unit() as s:
        return list(s.scalars(select(AuditLog.action).where(AuditLog.action.like("source.%")).order_by(AuditLog.id)))


# ---------------------------------------------------------------- the page


@pytest.mark.parametrize("user", ["lanhdao", "xem"])
def test_leaders_and_viewers_look_but_change_nothing(client, login_as, vov1, user):
    login_as(user)
    html = page(client)
    assert "Nguồn tiếp sóng" in html and "VOV1 – Thời sự" in html and "VOV (quốc gia)" in html
    assert "Chưa kiểm tra" in html and ">Nguồn tiếp sóng</a>" in html
    assert "Kiểm tra ngay" not in html and "Thêm nguồn tiếp sóng" not in html
    token = csrf_from(html)
    for url, data in [("/sources", VOV1 | {"code": "TINH"}), ("/sources/VOV1/check", {}), ("/sources/VOV1", VOV1)]:
        assert client.post(url, data=data | {"csrf_token": token}).status_code == 403
    assert sources(client.application.extensions["broadcast.runtime"]) == [
        ("VOV1", VOV1["name"], VOV1["url"], "national", True)
    ]


def test_submitters_do_not_see_sources(client, login_as, vov1):
    login_as("vanhoa")
    assert client.get("/sources").status_code == 403
    assert ">Nguồn tiếp sóng</a>" not in page(client, "/")


def test_operator_adds_edits_and_disables_a_source_audited(runtime, login_as):
    client = login_as("vanhanh")
    html = post(client, "/sources", {"code": "tinh", "name": "Đài tỉnh", "url": "http://tinh.example/live"})
    assert "Đã thêm nguồn tiếp sóng TINH." in html and 'id="src-TINH"' in html
    edit = {"name": "Đài PT-TH tỉnh", "url": "http://tinh.example/fm", "category": "province"}
    html = post(client, "/sources/TINH", edit)
    assert "Đã lưu nguồn TINH." in html and "Đài PT-TH tỉnh" in html and "Đài tỉnh</td>" in html  # the category label
    assert "Đã tắt nguồn TINH." in post(client, "/sources/TINH/enabled", {"enabled": "0"})
    assert "Đã tắt" in page(client).split('id="src-TINH"')[1].split("</tr>")[0]
    assert sources(runtime) == [("TINH", "Đài PT-TH tỉnh", "http://tinh.example/fm", "province", False)]
    assert "Đã bật nguồn TINH." in post(client, "/sources/TINH/enabled", {"enabled": "1"})
    assert audit_actions(runtime) == ["source.create", "source.update", "source.disable", "source.enable"]


@pytest.mark.parametrize(
    "url,data,words",
    [
        ("/sources", VOV1 | {"code": "VOV 1"}, "Mã nguồn chỉ gồm chữ in hoa không dấu"),
        ("/sources", VOV1 | {"code": "vov1"}, "Mã nguồn tiếp sóng VOV1 đã có."),
        ("/sources", VOV1 | {"code": "TINH", "name": ""}, "Cần tên nguồn tiếp sóng"),
        ("/sources", VOV1 | {"code": "TINH", "url": "file:///etc/passwd"}, "Chỉ tiếp sóng được luồng http://"),
        ("/sources", VOV1 | {"code": "TINH", "url": "http://127.0.0.1/"}, "chính Loa Phường"),  # the page's own host
        ("/sources", VOV1 | {"code": "TINH", "category": "tinh"}, "Loại nguồn phải là national"),
        ("/sources/VOV1", {"name": "Mới", "url": "http://localhost/sources"}, "chính Loa Phường"),
        ("/sources/VOV1", {"name": "x" * 201}, "Cần tên nguồn tiếp sóng (tối đa 200 ký tự)."),
    ],
)
def test_bad_input_is_told_in_vietnamese_and_changes_nothing(runtime, login_as, vov1, url, data, words):
    client = login_as("vanhanh")
    html = post(client, url, data)
    assert words in html
    assert sources(runtime) == [("VOV1", VOV1["name"], VOV1["url"], "national", True)]
    assert audit_actions(runtime) == ["source.create"]


def test_unknown_source_is_404(login_as, vov1):
    client = login_as("vanhanh")
    token = csrf_from(page(client))
    for url in ("/sources/KHONGCO", "/sources/KHONGCO/check", "/sources/KHONGCO/enabled"):
        assert client.post(url, data={"csrf_token": token}).status_code == 404


def test_check_now_shows_and_keeps_the_result(runtime, login_as, vov1, fake_probe):
    client = login_as("vanhanh")
    html = post(client, "/sources/VOV1/check", {})
    assert fake_probe == [VOV1["url"]]
    assert "VOV1: Tốt: mp3, 64 kbit/s, 44.100 Hz, stereo; mức âm -18,2 dBFS." in html
    row = html.split('id="src-VOV1"')[1].split("</tr>")[0]
    assert 'data-state="ok"' in row and "Tốt: mp3" in row
    with runtime.unit() as s:
        assert service.source_by_code(s, "VOV1").last_check == TONE


@pytest.mark.once
def test_check_now_of_an_unreachable_source_says_why(runtime, login_as, demo):
    with runtime.unit() as s:
        service.add_source(s, **(VOV1 | {"url": f"http://127.0.0.1:{closed_port()}/vov1"}))
    html = post(login_as("vanhanh"), "/sources/VOV1/check", {})
    assert "VOV1: Lỗi: Không kết nối được tới nguồn" in html and 'data-state="failed"' in html


# ---------------------------------------------------------------- the API


def api(client, token, method, url, body=None):
    return client.open(f"/api/v1{url}", method=method, json=body, headers={"Authorization": f"Bearer {token}"})


def test_api_lists_adds_changes_and_checks(runtime, client, api_token, fake_probe):
    op = api_token("vanhanh")
    made = api(client, op, "POST", "/sources", {"code": "vov1", "name": "VOV1", "url": VOV1["url"]})
    assert made.status_code == 201 and made.json["code"] == "VOV1" and made.json["category"] == "other"
    assert made.json["state"] == "never" and made.json["last_check"] is None
    changed = api(client, op, "PATCH", "/sources/vov1", {"category": "national", "enabled": False})
    assert changed.status_code == 200 and (changed.json["category"], changed.json["enabled"]) == ("national", False)
    checked = api(client, op, "POST", "/sources/VOV1/check")
    assert checked.status_code == 200 and checked.json["state"] == "ok" and checked.json["last_check"] == TONE
    items = api(client, api_token("xem"), "GET", "/sources").json["items"]
    assert [(i["code"], i["state"], i["enabled"]) for i in items] == [("VOV1", "ok", False)]
    assert audit_actions(runtime) == ["source.create", "source.update", "source.disable"]


@pytest.mark.parametrize(
    "call,status,code,words",
    [
        (("POST", "/sources", VOV1 | {"url": "pipe:0"}), 400, "invalid", "Chỉ tiếp sóng được luồng http://"),
        (("POST", "/sources", VOV1 | {"url": "http://localhost/api/v1"}), 400, "invalid", "chính Loa Phường"),
        (("POST", "/sources", VOV1 | {"code": "TINH", "category": "x"}), 400, "invalid", "Loại nguồn phải là"),
        (("POST", "/sources", VOV1), 409, "conflict", "Mã nguồn tiếp sóng VOV1 đã có."),
        (("PATCH", "/sources/VOV1", {"enabled": "no"}), 400, "invalid", "Trường enabled phải là true hoặc false."),
        (("PATCH", "/sources/VOV1", {"name": "Mới", "url": "ftp://x/"}), 400, "invalid", "Chỉ tiếp sóng"),
        (("PATCH", "/sources/TINH", {"name": "Mới"}), 404, "not_found", "Không có nguồn tiếp sóng mã 'TINH'."),
        (("POST", "/sources/TINH/check", None), 404, "not_found", "Không có nguồn tiếp sóng mã 'TINH'."),
    ],
)
def test_api_refusals_are_vietnamese_and_change_nothing(runtime, client, api_token, vov1, call, status, code, words):
    answer = api(client, api_token("vanhanh"), *call)
    assert answer.status_code == status and answer.json["error"]["code"] == code
    assert words in answer.json["error"]["message"]
    assert sources(runtime) == [("VOV1", VOV1["name"], VOV1["url"], "national", True)]


@pytest.mark.parametrize("user", ["lanhdao", "xem", "vanhoa"])
def test_api_changes_are_for_operators(client, api_token, vov1, user):
    token = api_token(user)
    assert api(client, token, "POST", "/sources", VOV1 | {"code": "TINH"}).status_code == 403
    assert api(client, token, "PATCH", "/sources/VOV1", {"enabled": False}).status_code == 403
    assert api(client, token, "POST", "/sources/VOV1/check").status_code == 403
    assert api(client, token, "GET", "/sources").status_code == (403 if user == "vanhoa" else 200)


# ---------------------------------------------------------------- the dashboard


def _relays(runtime, n: int, start_hours: float = 1) -> None:
    """n relay slots of MOLAO from ``start_hours`` on, alternating VOV1 and a URL no source has."""
    now = utcnow()
    with runtime.unit() as s:
        station = s.scalar(select(Station).where(Station.code == "MOLAO"))
        have = s.scalar(select(func.count()).select_from(UpstreamSource).where(UpstreamSource.code == "VOV1"))
        items = [
            (
                now + timedelta(hours=start_hours, minutes=10 * i),
                "relay",
                relay("VOV1 – Thời sự", "VOV1") if i % 2 == 0 or not have else relay("Lạ", None, "http://la.example/"),
            )
            for i in range(n)
        ]
        add_relay_programme(s, station, f"relay{start_hours:g}", items)


def _panel(html: str) -> str:
    return html.split('data-widget="relays"')[1].split("</section>")[0]


@pytest.mark.parametrize("user", ["vanhanh", "lanhdao", "xem"])
def test_dashboard_shows_the_relays_coming_with_their_health(runtime, client, login_as, vov1, fake_probe, user):
    _relays(runtime, 2)
    login_as(user)
    panel = _panel(page(client, "/"))
    assert "Tiếp sóng sắp tới" in panel and "MOLAO" in panel and "VOV1 – Thời sự" in panel and "Lạ" in panel
    assert panel.count('data-state="never"') == 2
    with runtime.unit() as s:
        service.check_source(s, service.source_by_code(s, "VOV1"))
    panel = _panel(page(client, "/"))
    assert panel.count('data-state="ok"') == 1 and "vừa xong" in panel and panel.count('data-state="never"') == 1


def test_no_panel_without_relays_nor_for_submitters(runtime, client, login_as, vov1):
    assert 'data-widget="relays"' not in page(login_as("vanhanh"), "/")
    _relays(runtime, 1)
    client.post("/logout", data={"csrf_token": csrf_from(page(client, "/"))})
    login_as("vanhoa")
    assert 'data-widget="relays"' not in page(client, "/")


def test_dashboard_statements_do_not_grow_with_relays(runtime, login_as, vov1):
    client = login_as("vanhanh")
    _relays(runtime, 1)

    def count():
        PROGRESS_CACHE.clear()  # the dashboard's month report is computed on each count
        with count_queries(runtime.engine) as counter:
            assert client.get("/").status_code == 200
        return counter.count

    small = count()
    _relays(runtime, 12, start_hours=3)
    with runtime.unit() as s:
        for code in ("VOV2", "VOV3"):
            service.add_source(s, **(VOV1 | {"code": code, "url": f"http://vov.example/{code}"}))
    assert count() == small
