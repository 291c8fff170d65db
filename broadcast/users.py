"""User accounts."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from .domain.models import Department, Role, User
from .errors import Conflict, NotFound, ValidationError
from .security import check_password_strength, hash_password, parse_role

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")


def find_department(session: Session, code: str) -> Department:
    dept = session.scalar(select(Department).where(Department.code == code))
    if dept is None:
        raise NotFound(f"Không có đơn vị mã {code!r}.", code="unknown_department")
    return dept


def add_user(session: Session, username: str, role: str, password: str, *,
             department: str | None = None, full_name: str = "") -> User:
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise ValidationError(
            "Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch dưới hoặc gạch ngang (2–80 ký tự).",
            field="username",
        )
    role_value = parse_role(role)
    check_password_strength(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"Tên đăng nhập {username!r} đã có người dùng.", field="username")
    dept = find_department(session, department) if department else None
    if role_value is Role.submitter and dept is None:
        raise ValidationError("Người gửi tin phải thuộc một đơn vị: thêm --department MÃ_ĐƠN_VỊ.", field="department")
    user = User(username=username, role=role_value.value, password_hash=hash_password(password),
                department=dept, full_name=full_name or username)
    session.add(user)
    session.flush()
    return user
