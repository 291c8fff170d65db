"""Departments (đơn vị) that send bulletins: their codes, names and who may change them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .domain.models import Department, User, Ward
from .errors import Conflict, NotFound, ValidationError
from .security import audit
from .users import N_, error, find_ward, require_admin, ward_for

MAX_NAME = 200
MAX_CODE = 40


def clean_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise error(ValidationError, N_("Tên đơn vị không được để trống (tối đa 200 ký tự)."), field="name")
    return name


def clean_code(code: str | None) -> str:
    """Upper-case letters, digits, hyphens and underscores: the code appears in URLs, exports and the CLI."""
    code = (code or "").strip().upper()
    if not code or len(code) > MAX_CODE or not code.replace("-", "").replace("_", "").isalnum():
        raise error(ValidationError, N_("Mã đơn vị chỉ gồm chữ, số, gạch ngang (tối đa 40 ký tự)."), field="code")
    return code


def manages(actor: User, dept: Department) -> bool:
    """A province admin manages every department; a ward admin only their ward's (the province's
    departments are shared with the ward read-only)."""
    return actor.ward_id is None or dept.ward_id == actor.ward_id


def managed_department(session: Session, actor: User, dept_id) -> Department | None:
    """The department ``actor`` may change, or None: missing, another ward's and the province's look alike."""
    try:
        dept = session.get(Department, int(dept_id))
    except (TypeError, ValueError):
        return None
    return dept if dept is not None and manages(actor, dept) else None


def add_department(session: Session, code: str | None, name: str | None, *, ward: str | None = None) -> Department:
    """A department of ``ward`` (a code), or with none a province department, whose bulletins go down to
    the wards.  Codes are unique in the installation."""
    name = clean_name(name)
    code = clean_code(code)
    # Look past the ward scope: another ward's code is taken too (the answer names no ward).
    taken = select(Department.id).where(Department.code == code).execution_options(all_wards=True)
    if session.scalar(taken):
        raise error(Conflict, N_("Mã đơn vị %(code)s đã có."), field="code", code=code)
    ward_row = find_ward(session, ward) if ward else None
    dept = Department(code=code, name=name, ward_id=ward_row.id if ward_row is not None else None)
    session.add(dept)
    session.flush()
    return dept


def create_department(
    session: Session,
    actor: User,
    code: str | None,
    name: str | None,
    *,
    ward: str | None = None,
    ip: str | None = None,
) -> Department:
    """An admin adds a department: a ward admin's goes to their ward, a province admin's to the ward they
    choose (``ward``) or, with none, to the province."""
    require_admin(actor)
    if session.scalar(select(Ward.id).limit(1)) is None:
        raise error(Conflict, N_("Chưa có phường nào: hãy nạp lịch đài trước."))
    dept = add_department(session, code, name, ward=ward_for(session, actor, ward))
    audit(session, "department.create", user=actor, obj=dept, detail={"code": dept.code}, ip=ip)
    return dept


def rename_department(
    session: Session, actor: User, dept: Department, name: str | None, *, ip: str | None = None
) -> Department:
    require_admin(actor)
    if not manages(actor, dept):
        raise error(NotFound, N_("Không có đơn vị này."))
    dept.name = clean_name(name)
    audit(session, "department.update", user=actor, obj=dept, detail={"name": dept.name}, ip=ip)
    return dept
