"""User accounts: who exists, with which role and department, and who may change them.

The rules live here so the admin page, the CLI and the demo loader apply the same ones; the web layer
only reads the form and shows the outcome.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from .bulletins import permissions as bulletin_permissions
from .domain.models import Department, Role, User, Ward
from .errors import (
    BroadcastError,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from .security import audit, check_password_strength, hash_password, parse_role

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")


def N_(message: str) -> str:
    """Marks a sentence for the web's English catalogue (pybabel extract reads this file too);
    the core itself never translates."""
    return message


def error(cls: type[BroadcastError], template: str, *, field: str | None = None, **params) -> BroadcastError:
    """``cls(template % params)`` that also keeps the template and its values, so a page can look the
    sentence up in its catalogue before filling it in."""
    exc = cls(template % params if params else template, field=field)
    exc.template, exc.params = template, params
    return exc


def require_admin(actor: User | None) -> None:
    """Only an admin manages accounts, departments and who may approve."""
    if actor is None or actor.role != Role.admin.value:
        raise error(PermissionDenied, N_("Chỉ quản trị viên được quản lý người dùng và đơn vị."))


def find_department(session: Session, code: str) -> Department:
    dept = session.scalar(select(Department).where(Department.code == code))
    if dept is None:
        raise NotFound(f"Không có đơn vị mã {code!r}.", code="unknown_department")
    return dept


def find_ward(session: Session, code: str) -> Ward:
    ward = session.scalar(select(Ward).where(Ward.code == code.strip().upper()))
    if ward is None:
        raise error(NotFound, N_("Không có phường, xã mã %(code)s."), field="ward", code=code)
    return ward


def add_user(
    session: Session,
    username: str,
    role: str,
    password: str,
    *,
    department: str | None = None,
    full_name: str = "",
    ward: str | None = None,
) -> User:
    """A user of ``ward`` (a code), or of their department's ward; with neither, a province user."""
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise ValidationError(
            "Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch dưới hoặc gạch ngang (2–80 ký tự).",
            field="username",
        )
    role_value = parse_role(role)
    check_password_strength(password)
    # Usernames are unique in the whole installation: look past the ward scope (the answer names no ward).
    taken = select(User.id).where(User.username == username).execution_options(all_wards=True)
    if session.scalar(taken) is not None:
        raise Conflict(f"Tên đăng nhập {username!r} đã có người dùng.", field="username")
    dept = find_department(session, department) if department else None
    if role_value is Role.submitter and dept is None:
        raise ValidationError("Người gửi tin phải thuộc một đơn vị: thêm --department MÃ_ĐƠN_VỊ.", field="department")
    ward_row = find_ward(session, ward) if ward else None
    if ward_row is not None and dept is not None and dept.ward_id != ward_row.id:
        raise error(
            ValidationError,
            N_("Đơn vị %(department)s không thuộc phường, xã %(ward)s."),
            field="department",
            department=dept.code,
            ward=ward_row.code,
        )
    ward_id = ward_row.id if ward_row is not None else (dept.ward_id if dept is not None else None)
    user = User(
        ward_id=ward_id,
        username=username,
        role=role_value.value,
        password_hash=hash_password(password),
        department=dept,
        full_name=full_name or username,
    )
    session.add(user)
    session.flush()
    return user


def manages(actor: User, user: User) -> bool:
    """A province admin manages every account; a ward admin only their own ward's (the province's accounts
    are shared with the ward read-only)."""
    return actor.ward_id is None or user.ward_id == actor.ward_id


def managed_user(session: Session, actor: User, user_id) -> User | None:
    """The account ``actor`` may change, or None: missing, another ward's and the province's look alike."""
    try:
        user = session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and manages(actor, user) else None


def ward_for(session: Session, actor: User, ward: str | None) -> str | None:
    """The ward code a new account or department of ``actor`` goes to: a ward admin's own ward, whatever the
    form says (naming another ward is answered as for a missing one); a province admin's choice, "" or None
    for the province."""
    ward = (ward or "").strip()
    if actor.ward_id is None:
        return find_ward(session, ward).code if ward else None
    own = session.get(Ward, actor.ward_id)
    if ward and ward.upper() != own.code:
        raise error(NotFound, N_("Không có phường, xã mã %(code)s."), field="ward", code=ward)
    return own.code


def create_user(
    session: Session,
    actor: User,
    username: str,
    role: str,
    password: str,
    *,
    department: str | None = None,
    full_name: str = "",
    ward: str | None = None,
    ip: str | None = None,
) -> User:
    """An admin adds an account (the rules of ``add_user``), written to the audit log.  A ward admin's new
    account is of their ward; a province admin chooses the ward (``ward``), or the province (none, and no
    department of a ward)."""
    require_admin(actor)
    code = ward_for(session, actor, ward)
    user = add_user(session, username, role, password, department=department, full_name=full_name.strip(), ward=code)
    audit(session, "user.create", user=actor, obj=user, ip=ip, detail={"role": user.role})
    return user


def update_user(
    session: Session,
    actor: User,
    user: User,
    *,
    role: str | None,
    department: str | None,
    active: bool,
    password: str | None = None,
    ip: str | None = None,
) -> User:
    """An admin changes a user's role, department, active flag and, when given, password.

    A submitter must keep a department, and an admin may not lock themself out or drop their own admin
    role (the ward would be left without anyone able to undo it)."""
    require_admin(actor)
    if not manages(actor, user):
        raise error(NotFound, N_("Không có người dùng này."))
    role_value = parse_role(role if role is not None else user.role).value
    dept = None
    if department:
        dept = session.scalar(select(Department).where(Department.code == department))
        # A ward's account works in its ward's departments, a province account in the province's.
        if dept is None or dept.ward_id != user.ward_id:
            raise error(ValidationError, N_("Không có đơn vị này."), field="department")
    if role_value == Role.submitter.value and dept is None:
        raise error(ValidationError, N_("Người gửi tin phải thuộc một đơn vị."), field="department")
    if user.id == actor.id and (not active or role_value != Role.admin.value):
        raise error(Conflict, N_("Không thể tự khóa hoặc tự bỏ quyền quản trị của mình."))
    user.role, user.department, user.active = role_value, dept, active
    if password:
        check_password_strength(password)
        user.password_hash = hash_password(password)
    audit(
        session,
        "user.update",
        user=actor,
        obj=user,
        ip=ip,
        detail={
            "role": role_value,
            "department": department or None,
            "active": active,
            "password_reset": bool(password),
        },
    )
    return user


def operator_may_approve(session: Session, ward_id=bulletin_permissions.SESSION_WARD) -> bool:
    """Whether operators may approve normal-priority bulletins: the ward's own setting (by default the
    session's ward), else the installation's."""
    return bool(
        bulletin_permissions.get_setting(session, bulletin_permissions.OPERATOR_MAY_APPROVE_NORMAL, ward_id=ward_id)
    )


def set_operator_may_approve(session: Session, actor: User, value: bool, *, ip: str | None = None) -> None:
    """A ward admin sets their ward's value; a province admin the installation's, which every ward without
    its own follows."""
    require_admin(actor)
    key = bulletin_permissions.OPERATOR_MAY_APPROVE_NORMAL
    bulletin_permissions.set_setting(session, key, value, ward_id=actor.ward_id)
    audit(
        session,
        "setting.update",
        user=actor,
        object_type="settings",
        object_id=key,
        detail={"value": value, "ward_id": actor.ward_id},
        ip=ip,
    )
