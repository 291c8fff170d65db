"""The ward and province admin page (web/admin/wards.py), the audit log and the dashboard per ward."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from broadcast.domain.models import AuditLog, Province, Station, Ward
from broadcast.security import audit
from tests.conftest import csrf_from

WARD_ADMIN, PROVINCE_ADMIN = "admin", "tinh.admin"


def _post(client, url, **data):
    token = csrf_from(client.get("/").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def _state(session) -> tuple:
    session.expire_all()
    wards = session.execute(select(Ward.code, Ward.name, Ward.district)).all()
    province = session.execute(select(Province.code, Province.name, Province.issuer)).all()
    return (
        sorted(wards),
        province,
        session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action != "auth.login")),
    )


# --- /admin/wards --------------------------------------------------------------------------------


def test_the_province_admin_lists_the_wards(login_as):
    client = login_as(PROVINCE_ADMIN)
    html = client.get("/admin/wards").get_data(as_text=True)
    rows = {
        m[0]: m[1:]
        for m in re.findall(r"<tr><td>(\w+)</td><td>[^<]+</td><td>[^<]+</td><td>(\d+)</td><td>(\d+)</td>", html)
    }
    assert rows == {"MOLAO": ("1", "12"), "VANPHUC": ("1", "3"), "KIENHUNG": ("1", "3"), "CHUONGMY": ("1", "3")}
    assert "Phường, xã của Hà Nội" in html and 'value="ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI"' in html
    assert 'href="/admin/wards"' in html  # in the menu


@pytest.mark.parametrize(
    ("method", "url"), [("get", "/admin/wards"), ("post", "/admin/wards"), ("post", "/admin/province")]
)
def test_a_ward_admin_gets_403_and_changes_nothing(login_as, session, method, url):
    client = login_as(WARD_ADMIN)
    before = _state(session)
    data = {"code": "MOI", "name": "Phường Mới", "issuer": "X"}
    response = client.get(url) if method == "get" else _post(client, url, **data)
    assert response.status_code == 403
    assert _state(session) == before
    assert 'href="/admin/wards"' not in client.get("/").get_data(as_text=True)  # not in a ward admin's menu


def test_the_province_admin_adds_a_ward_and_names_the_province(login_as, session):
    client = login_as(PROVINCE_ADMIN)
    done = _post(client, "/admin/wards", code="yenphuc", name="Phường Yên Phúc", district="Hà Đông")
    assert "Đã thêm Phường Yên Phúc (mã YENPHUC)." in client.get(done.headers["Location"]).get_data(as_text=True)
    saved = _post(client, "/admin/province", name="Thành phố Hà Nội", issuer="SỞ VĂN HÓA VÀ THỂ THAO")
    assert "Đã lưu thông tin tỉnh." in client.get(saved.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    ward = session.scalar(select(Ward).where(Ward.code == "YENPHUC"))
    assert ward.district == "Hà Đông" and ward.province_ref.name == "Thành phố Hà Nội"
    assert ward.province_ref.issuer == "SỞ VĂN HÓA VÀ THỂ THAO" and ward.province_ref.code == "HANOI"


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        ("/admin/wards", {"code": "MOLAO", "name": "Trùng"}, "Mã phường, xã MOLAO đã có."),
        ("/admin/wards", {"code": "chuongmy", "name": "Trùng"}, "Mã phường, xã CHUONGMY đã có."),
        ("/admin/wards", {"code": "Ở ĐÂY", "name": "Có dấu"}, "Mã chỉ gồm chữ không dấu"),
        ("/admin/wards", {"code": "MOI", "name": " "}, "Tên không được để trống"),
        ("/admin/province", {"name": "", "issuer": "X"}, "Tên không được để trống"),
    ],
)
def test_bad_ward_and_province_input_changes_nothing(login_as, session, url, data, message):
    client = login_as(PROVINCE_ADMIN)
    before = _state(session)
    response = _post(client, url, **data)
    assert message in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _state(session) == before


# --- the audit log -------------------------------------------------------------------------------


@pytest.fixture
def audit_rows(runtime, demo):
    """One row of each kind: Mộ Lao's, Vạn Phúc's and the province's own."""
    with runtime.unit() as s:
        for code in ("MOLAO", "VANPHUC"):
            station = s.scalar(select(Station).where(Station.code == code))
            audit(s, f"zz.{code.lower()}", obj=station, detail={"note": f"nhật ký {code}"})
        audit(s, "zz.tinh", object_type="provinces", object_id=1, detail={"note": "nhật ký tỉnh"})


@pytest.mark.parametrize(
    ("who", "seen", "unseen", "ward_column"),
    [
        (WARD_ADMIN, ["zz.molao"], ["zz.vanphuc", "zz.tinh"], False),
        ("lanhdao", ["zz.molao"], ["zz.vanphuc", "zz.tinh"], False),
        ("vanphuc.lanhdao", ["zz.vanphuc"], ["zz.molao", "zz.tinh"], False),
        (PROVINCE_ADMIN, ["zz.molao", "zz.vanphuc", "zz.tinh"], [], True),
        ("tinh.duyet", ["zz.molao", "zz.vanphuc", "zz.tinh"], [], True),
    ],
)
def test_the_audit_log_shows_the_users_ward(login_as, audit_rows, who, seen, unseen, ward_column):
    html = login_as(who).get("/audit").get_data(as_text=True)
    for action in seen:
        assert f"<code>{action}</code>" in html and f'<option value="{action}"' in html
    for action in unseen:
        assert action not in html  # neither as a row nor in the action filter
    assert ("<th>Phường, xã</th>" in html) == ward_column
    if ward_column:
        assert "<td>Phường Vạn Phúc</td>" in html and "<td>Cấp tỉnh</td>" in html


@pytest.mark.parametrize(
    ("who", "ward", "status", "seen"),
    [
        (PROVINCE_ADMIN, "VANPHUC", 200, ["zz.vanphuc"]),
        (PROVINCE_ADMIN, "KHONGCO", 400, []),
        (WARD_ADMIN, "MOLAO", 200, ["zz.molao"]),
        (WARD_ADMIN, "VANPHUC", 400, []),  # another ward: as for a missing one
        (WARD_ADMIN, "KHONGCO", 400, []),
    ],
)
def test_the_audit_ward_filter(login_as, audit_rows, who, ward, status, seen):
    response = login_as(who).get(f"/audit?ward={ward}")
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert set(re.findall(r"<code>(zz\.\w+)</code>", html)) == set(seen)
    if status == 400:
        assert f"Không có phường, xã mã {ward}." in html


# --- the dashboard -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "where", "waiting"),
    [
        ("lanhdao", "Phường Mộ Lao", 2),
        ("vanphuc.lanhdao", "Phường Vạn Phúc", 0),
        ("chuongmy.lanhdao", "Xã Chương Mỹ", 0),
        ("tinh.duyet", "Cấp tỉnh", 2),
    ],
)
def test_the_dashboard_counts_the_users_ward(login_as, who, where, waiting):
    html = login_as(who).get("/").get_data(as_text=True)
    assert f'<span class="badge" id="where">{where}</span>' in html
    assert f"{waiting} tin chờ duyệt" in html
