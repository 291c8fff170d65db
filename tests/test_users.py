"""broadcast/users.py: who may manage accounts and what an account change must respect."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from broadcast import users
from broadcast.domain.models import User
from broadcast.errors import Conflict, PermissionDenied, ValidationError
from tests.bulletins.fast import fast_hashing  # noqa: F401  (autouse)


def _user(session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


def test_only_an_admin_manages_accounts(session, demo):
    operator, xem = _user(session, "vanhanh"), _user(session, "xem")
    with pytest.raises(PermissionDenied):
        users.update_user(session, operator, xem, role="admin", department=None, active=True)
    with pytest.raises(PermissionDenied):
        users.create_user(session, operator, "moi", "viewer", "matkhau123")
    with pytest.raises(PermissionDenied):
        users.set_operator_may_approve(session, operator, True)


def test_update_rules(session, demo):
    admin, xem = _user(session, "admin"), _user(session, "xem")
    with pytest.raises(ValidationError) as unknown:
        users.update_user(session, admin, xem, role="viewer", department="KHONGCO", active=True)
    assert unknown.value.field == "department" and unknown.value.message == "Không có đơn vị này."
    with pytest.raises(ValidationError):
        users.update_user(session, admin, xem, role="nobody", department=None, active=True)
    with pytest.raises(ValidationError):
        users.update_user(session, admin, xem, role="viewer", department=None, active=True, password="ngan")
    with pytest.raises(Conflict):
        users.update_user(session, admin, admin, role="viewer", department=None, active=True)
    # the role stays as it was when none is given
    users.update_user(session, admin, xem, role=None, department=None, active=False)
    assert (xem.role, xem.active) == ("viewer", False)


def test_create_user_is_audited_and_strips_the_name(session, demo):
    from broadcast.domain.models import AuditLog

    admin = _user(session, "admin")
    user = users.create_user(
        session,
        admin,
        "  Moi.Nguoi ",
        "submitter",
        "matkhau123",
        department="YTE",
        full_name="  Người Mới ",
        ip="127.0.0.1",
    )
    assert (user.username, user.full_name, user.department.code) == ("moi.nguoi", "Người Mới", "YTE")
    row = session.scalar(select(AuditLog).where(AuditLog.action == "user.create"))
    assert row.detail == {"role": "submitter"} and row.ip == "127.0.0.1"
