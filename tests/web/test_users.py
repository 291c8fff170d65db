"""Người dùng (web/admin/users.py); the rules themselves: tests/test_users.py."""

from __future__ import annotations

from sqlalchemy import select

from broadcast.domain.models import AuditLog, User
from tests.bulletins.fast import fast_hashing  # noqa: F401  (autouse)
from tests.conftest import csrf_from


def _user(session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


def _post(client, **data):
    token = csrf_from(client.get("/admin/users").get_data(as_text=True))
    return client.post("/admin/users", data={"csrf_token": token, **data})


def test_admin_adds_a_user_and_it_is_audited(login_as, client, session):
    login_as("admin")
    r = _post(client, username="ytetest", full_name="Y tế", role="submitter", department="YTE", password="matkhau123")
    assert r.status_code == 302
    assert "Đã tạo người dùng ytetest." in client.get(r.headers["Location"]).get_data(as_text=True)
    assert _user(session, "ytetest").department.code == "YTE"
    assert "user.create" in set(session.scalars(select(AuditLog.action)))


def test_a_bad_username_is_flashed_and_nothing_saved(login_as, client, session):
    login_as("admin")
    _post(client, username="bad user", role="submitter", password="x")
    assert "Tên đăng nhập chỉ gồm" in client.get("/admin/users").get_data(as_text=True)
    assert _user(session, "bad user") is None


def test_admin_changes_role_department_and_password(login_as, client, session):
    login_as("admin")
    xem = _user(session, "xem")
    r = _post(client, user_id=xem.id, role="submitter", department="YTE", active="1", password="matkhau-moi-1")
    assert "Đã cập nhật người dùng xem." in client.get(r.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    xem = _user(session, "xem")
    assert (xem.role, xem.department.code, xem.active) == ("submitter", "YTE", True)
    row = session.scalar(select(AuditLog).where(AuditLog.action == "user.update"))
    assert row.detail == {"role": "submitter", "department": "YTE", "active": True, "password_reset": True}


def test_a_submitter_needs_a_department(login_as, client, session):
    login_as("admin")
    xem = _user(session, "xem")
    r = _post(client, user_id=xem.id, role="submitter", department="", active="1")
    assert "Người gửi tin phải thuộc một đơn vị." in client.get(r.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert _user(session, "xem").role == "viewer"


def test_admin_cannot_lock_themselves(login_as, client, session):
    login_as("admin")
    admin = _user(session, "admin")
    _post(client, user_id=admin.id, role="admin", active="0")
    session.expire_all()
    assert session.get(User, admin.id).active


def test_an_unknown_user_is_404(login_as, client):
    login_as("admin")
    assert _post(client, user_id="999999", role="viewer", active="1").status_code == 404


def test_the_page_and_the_core_rules_speak_english(login_as, client, session):
    login_as("admin")
    html = client.get("/admin/users?lang=en").get_data(as_text=True)
    assert "Approving leader" in html and "Radio operator" in html
    xem = _user(session, "xem")
    r = _post(client, user_id=xem.id, role="viewer", department="KHONGCO", active="1")
    assert "No such department." in client.get(r.headers["Location"]).get_data(as_text=True)
