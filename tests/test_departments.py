"""broadcast/departments.py: codes, names, uniqueness, the ward, and admin only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from broadcast import departments
from broadcast.domain.models import User
from broadcast.errors import Conflict, PermissionDenied, ValidationError


def test_rules_without_the_page(session, demo):
    admin = session.scalar(select(User).where(User.username == "admin"))
    operator = session.scalar(select(User).where(User.username == "vanhanh"))
    with pytest.raises(PermissionDenied):
        departments.create_department(session, operator, "MOI", "Mới")
    with pytest.raises(Conflict) as dup:
        departments.create_department(session, admin, "vhtt", "Trùng")
    assert dup.value.field == "code" and dup.value.params == {"code": "VHTT"}
    with pytest.raises(ValidationError):
        departments.create_department(session, admin, "X" * 41, "Dài")
    dept = departments.create_department(session, admin, " moi_1 ", "Mới")
    assert dept.code == "MOI_1" and dept.ward_id is not None


def test_no_ward_yet(session):
    admin = User(username="root", role="admin", password_hash="x", full_name="root")
    with pytest.raises(Conflict, match="Chưa có phường nào"):
        departments.create_department(session, admin, "MOI", "Mới")
