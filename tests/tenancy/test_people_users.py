"""Users and departments pages per ward: a ward admin (the demo's ``admin``, ward MOLAO) manages only their
ward's; a province admin (``tinh.admin``) every ward's and the province's (web/admin/users.py,
web/admin/departments.py, broadcast/users.py, broadcast/departments.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from broadcast.domain.models import AuditLog, Department, User, Ward
from tests.bulletins.fast import fast_hashing  # noqa: F401  (autouse)
from tests.conftest import csrf_from

WARD_ADMIN, PROVINCE_ADMIN = "admin", "tinh.admin"


def _post(client, url, **data):
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def _flashed(client, response) -> str:
    return client.get(response.headers["Location"]).get_data(as_text=True)


def _ward_of(session, model, **where):
    session.expire_all()
    row = session.scalar(select(model).filter_by(**where))
    return None if row is None else (session.get(Ward, row.ward_id).code if row.ward_id else "province")


def _snapshot(session) -> tuple:
    session.expire_all()
    users = session.execute(select(User.username, User.role, User.department_id, User.active, User.ward_id)).all()
    depts = session.execute(select(Department.code, Department.name, Department.ward_id)).all()
    changes = select(func.count(AuditLog.id)).where(AuditLog.action.not_like("auth.%"))
    return sorted(users), sorted(depts), session.scalar(changes)


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        (WARD_ADMIN, ["vanhanh", "lanhdao", "xem"], ["vanphuc.vanhanh", "tinh.bientap", "tinh.admin", "Cấp tỉnh"]),
        (PROVINCE_ADMIN, ["vanhanh", "vanphuc.vanhanh", "tinh.bientap", "Phường Vạn Phúc", "Cấp tỉnh"], []),
    ],
)
def test_the_users_list(login_as, who, shown, hidden):
    client = login_as(who)
    html = client.get("/admin/users?page=1").get_data(as_text=True) + client.get("/admin/users?page=2").get_data(
        as_text=True
    )
    assert all(name in html for name in shown), [n for n in shown if n not in html]
    assert not any(name in html for name in hidden), [n for n in hidden if n in html]


@pytest.mark.parametrize("target", ["vanphuc.vanhanh", "tinh.bientap", "tinh.admin", None])
def test_a_ward_admin_cannot_touch_another_wards_or_the_provinces_accounts(login_as, session, target):
    client = login_as(WARD_ADMIN)
    user_id = session.scalar(select(User.id).where(User.username == target)) if target else 999_999
    before = _snapshot(session)
    response = _post(client, "/admin/users", user_id=user_id, role="viewer", active="0", password="mat-khau-moi-9")
    assert response.status_code == 404  # the same answer as for a missing account
    assert _snapshot(session) == before


@pytest.mark.parametrize(
    ("who", "form", "ward"),
    [
        (WARD_ADMIN, {"role": "viewer"}, "MOLAO"),
        (WARD_ADMIN, {"role": "submitter", "department": "YTE"}, "MOLAO"),
        (WARD_ADMIN, {"role": "viewer", "ward": "molao"}, "MOLAO"),
        (PROVINCE_ADMIN, {"role": "viewer"}, "province"),
        (PROVINCE_ADMIN, {"role": "operator", "ward": "VANPHUC"}, "VANPHUC"),
        (PROVINCE_ADMIN, {"role": "submitter", "department": "KIENHUNG-VP"}, "KIENHUNG"),
        (PROVINCE_ADMIN, {"role": "submitter", "department": "STTTT"}, "province"),
    ],
)
def test_a_new_account_gets_its_ward(login_as, session, who, form, ward):
    client = login_as(who)
    response = _post(client, "/admin/users", username="moi.tk", password="mat-khau-moi-9", **form)
    assert "Đã tạo người dùng moi.tk." in _flashed(client, response)
    assert _ward_of(session, User, username="moi.tk") == ward


@pytest.mark.parametrize(
    ("who", "form", "message"),
    [
        # Another ward's code or department answers as a missing one; a taken username names no ward.
        (WARD_ADMIN, {"role": "viewer", "ward": "VANPHUC"}, "Không có phường, xã mã VANPHUC."),
        (WARD_ADMIN, {"role": "viewer", "ward": "KHONGCO"}, "Không có phường, xã mã KHONGCO."),
        (WARD_ADMIN, {"role": "submitter", "department": "VANPHUC-VP"}, "Không có đơn vị mã &#39;VANPHUC-VP&#39;."),
        (WARD_ADMIN, {"role": "submitter", "department": "NOPE"}, "Không có đơn vị mã &#39;NOPE&#39;."),
        (WARD_ADMIN, {"role": "submitter", "department": "STTTT"}, "Đơn vị STTTT không thuộc phường, xã MOLAO."),
        (WARD_ADMIN, {"role": "viewer", "username": "vanphuc.lanhdao"}, "đã có người dùng"),
        (PROVINCE_ADMIN, {"role": "viewer", "ward": "KHONGCO"}, "Không có phường, xã mã KHONGCO."),
        (PROVINCE_ADMIN, {"role": "submitter", "department": "TP", "ward": "VANPHUC"}, "Đơn vị TP không thuộc"),
    ],
)
def test_bad_new_accounts_change_nothing(login_as, session, who, form, message):
    before = _snapshot(session)
    data = {"username": "moi.tk", "password": "mat-khau-moi-9", **form}
    client = login_as(who)
    response = _post(client, "/admin/users", **data)
    assert message in _flashed(client, response)
    assert _snapshot(session) == before


@pytest.mark.parametrize(
    ("who", "username", "department", "ok"),
    [
        (WARD_ADMIN, "xem", "YTE", True),
        (WARD_ADMIN, "xem", "VANPHUC-VP", False),  # another ward's: no such department
        (WARD_ADMIN, "xem", "STTTT", False),  # a ward account never works in a province department
        (PROVINCE_ADMIN, "vanphuc.vanhanh", "VANPHUC-VP", True),
        (PROVINCE_ADMIN, "vanphuc.vanhanh", "TP", False),
        (PROVINCE_ADMIN, "tinh.duyet", "STTTT", True),
    ],
)
def test_changing_an_accounts_department(login_as, session, who, username, department, ok):
    user = session.scalar(select(User).where(User.username == username))
    before = _snapshot(session)
    client = login_as(who)
    response = _post(client, "/admin/users", user_id=user.id, role=user.role, department=department, active="1")
    html = _flashed(client, response)
    if ok:
        assert f"Đã cập nhật người dùng {username}." in html
        session.expire_all()
        assert session.get(User, user.id).department.code == department
    else:
        assert "Không có đơn vị này." in html and _snapshot(session) == before


# --- departments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "editable", "read_only", "hidden"),
    [
        (WARD_ADMIN, ["VHTT", "CA"], ["STTTT"], ["VANPHUC-VP", "CHUONGMY-VP"]),
        (PROVINCE_ADMIN, ["VHTT", "STTTT", "VANPHUC-VP", "CHUONGMY-VP"], [], []),
    ],
)
def test_the_departments_list(login_as, session, who, editable, read_only, hidden):
    html = login_as(who).get("/admin/departments").get_data(as_text=True)
    ids = dict(session.execute(select(Department.code, Department.id)).all())
    for code in editable:
        assert f'name="department_id" value="{ids[code]}"' in html, code
    for code in read_only:
        assert f"<td>{code}</td>" in html and f'name="department_id" value="{ids[code]}"' not in html
    for code in hidden:
        assert code not in html


@pytest.mark.parametrize("code", ["STTTT", "VANPHUC-VP", None])
def test_a_ward_admin_cannot_rename_another_wards_or_the_provinces_department(login_as, session, code):
    dept_id = session.scalar(select(Department.id).where(Department.code == code)) if code else 999_999
    before = _snapshot(session)
    assert _post(login_as(WARD_ADMIN), "/admin/departments", department_id=dept_id, name="Đổi").status_code == 404
    assert _snapshot(session) == before


@pytest.mark.parametrize(
    ("who", "form", "ward"),
    [
        (WARD_ADMIN, {}, "MOLAO"),
        (PROVINCE_ADMIN, {}, "province"),
        (PROVINCE_ADMIN, {"ward": "CHUONGMY"}, "CHUONGMY"),
    ],
)
def test_a_new_department_gets_its_ward(login_as, session, who, form, ward):
    client = login_as(who)
    response = _post(client, "/admin/departments", code="dtn", name="Đoàn Thanh niên", **form)
    assert "Đã lưu đơn vị." in _flashed(client, response)
    assert _ward_of(session, Department, code="DTN") == ward


@pytest.mark.parametrize(
    ("who", "form", "message"),
    [
        # Codes are unique in the installation: another ward's is taken, and the answer names no ward.
        (WARD_ADMIN, {"code": "VANPHUC-VP"}, "Mã đơn vị VANPHUC-VP đã có."),
        (WARD_ADMIN, {"code": "STTTT"}, "Mã đơn vị STTTT đã có."),
        (WARD_ADMIN, {"code": "MOI", "ward": "VANPHUC"}, "Không có phường, xã mã VANPHUC."),
        (PROVINCE_ADMIN, {"code": "VHTT"}, "Mã đơn vị VHTT đã có."),
        (PROVINCE_ADMIN, {"code": "MOI", "ward": "KHONGCO"}, "Không có phường, xã mã KHONGCO."),
    ],
)
def test_bad_new_departments_change_nothing(login_as, session, who, form, message):
    before = _snapshot(session)
    client = login_as(who)
    response = _post(client, "/admin/departments", name="Tên", **form)
    assert message in _flashed(client, response)
    assert _snapshot(session) == before


def test_a_province_admin_renames_a_wards_department(login_as, session):
    dept = session.scalar(select(Department).where(Department.code == "VANPHUC-VP"))
    _post(login_as(PROVINCE_ADMIN), "/admin/departments", department_id=dept.id, name="Văn phòng phường")
    session.expire_all()
    assert session.get(Department, dept.id).name == "Văn phòng phường"
    row = session.scalar(select(AuditLog).where(AuditLog.action == "department.update"))
    assert row.ward_id == dept.ward_id and row.username == PROVINCE_ADMIN


@pytest.mark.parametrize(
    ("who", "codes"),
    [
        ("vanphuc.vanhanh", {"VANPHUC-VP", "STTTT"}),
        ("vanhanh", {"VP", "VHTT", "TP", "TCKT", "DCXD", "MTTQ", "YTE", "CA", "STTTT"}),
        (
            "tinh.duyet",
            {"VP", "VHTT", "TP", "TCKT", "DCXD", "MTTQ", "YTE", "CA", "STTTT"}
            | {"VANPHUC-VP", "KIENHUNG-VP", "CHUONGMY-VP"},
        ),
    ],
)
def test_the_api_departments(client, api_token, who, codes):
    items = client.get("/api/v1/departments", headers={"Authorization": f"Bearer {api_token(who)}"}).get_json()
    assert {d["code"] for d in items["items"]} == codes
