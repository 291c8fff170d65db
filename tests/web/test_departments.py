"""Đơn vị (web/admin/departments.py) and the approval setting on that page; the rules themselves:
tests/test_departments.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from broadcast.domain.models import AuditLog, Department, WardSetting
from tests.bulletins.fast import fast_hashing  # noqa: F401  (autouse)
from tests.conftest import csrf_from


def _post(client, **data):
    token = csrf_from(client.get("/admin/departments").get_data(as_text=True))
    return client.post("/admin/departments", data={"csrf_token": token, **data})


def test_admin_adds_and_renames_a_department(login_as, client, session):
    login_as("admin")
    r = _post(client, code="dtn", name="Đoàn Thanh niên")
    assert "Đã lưu đơn vị." in client.get(r.headers["Location"]).get_data(as_text=True)
    dept = session.scalar(select(Department).where(Department.code == "DTN"))
    assert dept.name == "Đoàn Thanh niên"
    _post(client, department_id=dept.id, name="Đoàn TNCS Hồ Chí Minh")
    session.expire_all()
    assert session.get(Department, dept.id).name == "Đoàn TNCS Hồ Chí Minh"
    actions = list(session.scalars(select(AuditLog.action).where(AuditLog.action.like("department.%"))))
    assert actions == ["department.create", "department.update"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "VHTT", "name": "Trùng"}, "Mã đơn vị VHTT đã có."),
        ({"code": "có dấu cách", "name": "X"}, "Mã đơn vị chỉ gồm chữ"),
        ({"code": "MOI", "name": "  "}, "Tên đơn vị không được để trống"),
    ],
)
def test_bad_departments_are_flashed_and_nothing_saved(login_as, client, session, data, message):
    login_as("admin")
    before = session.scalar(select(func.count(Department.id)))
    r = _post(client, **data)
    assert message in client.get(r.headers["Location"]).get_data(as_text=True)
    assert session.scalar(select(func.count(Department.id))) == before


def test_an_unknown_department_is_404(login_as, client):
    login_as("admin")
    assert _post(client, department_id="999999", name="X").status_code == 404


def test_the_operator_approval_setting(login_as, client, session):
    login_as("admin")
    r = _post(client, setting="operator_may_approve_normal", value="1")
    assert "Đã lưu cài đặt duyệt tin." in client.get(r.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    # The demo admin is a ward admin: the setting is their ward's own (tests/tenancy/test_people_settings.py).
    assert session.scalar(select(WardSetting.value).where(WardSetting.key == "operator_may_approve_normal")) is True
    assert "setting.update" in set(session.scalars(select(AuditLog.action)))
