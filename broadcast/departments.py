"""Departments (đơn vị) that send bulletins: their codes, names and who may change them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .domain.models import Department, Station, User
from .errors import Conflict, ValidationError
from .security import audit
from .users import N_, error, require_admin

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


def create_department(
    session: Session, actor: User, code: str | None, name: str | None, *, ip: str | None = None
) -> Department:
    """A new department of the ward (the first station's ward: one installation serves one ward)."""
    require_admin(actor)
    name = clean_name(name)
    code = clean_code(code)
    if session.scalar(select(Department.id).where(Department.code == code)):
        raise error(Conflict, N_("Mã đơn vị %(code)s đã có."), field="code", code=code)
    station = session.scalar(select(Station).order_by(Station.id))
    if station is None:
        raise error(Conflict, N_("Chưa có phường nào: hãy nạp lịch đài trước."))
    dept = Department(code=code, name=name, ward_id=station.ward_id)
    session.add(dept)
    session.flush()
    audit(session, "department.create", user=actor, obj=dept, detail={"code": code}, ip=ip)
    return dept


def rename_department(
    session: Session, actor: User, dept: Department, name: str | None, *, ip: str | None = None
) -> Department:
    require_admin(actor)
    dept.name = clean_name(name)
    audit(session, "department.update", user=actor, obj=dept, detail={"name": dept.name}, ip=ip)
    return dept
