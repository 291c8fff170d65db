"""Wards and communes of the installation's province, and the province itself: adding a ward, naming the
province and the issuer of its reports, and the counts the province admin's page lists.

The CLI (``broadcast ward``/``broadcast province``) and the ward page (web/admin/wards.py) apply these
rules; only a province admin (or the CLI, which acts for the installation) calls them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .domain.models import Province, Role, Station, User, Ward
from .errors import Conflict, PermissionDenied, ValidationError
from .security import audit
from .tenancy import installation_province
from .users import N_, error

MAX_NAME = 200
MAX_CODE = 40


def clean_code(code: str | None) -> str:
    """Upper-case letters, digits, hyphens and underscores: a ward's code appears in URLs (the public
    listening page), exports and the CLI."""
    code = (code or "").strip().upper()
    if not code or len(code) > MAX_CODE or not code.replace("-", "").replace("_", "").isalnum():
        raise error(ValidationError, N_("Mã chỉ gồm chữ không dấu, số, gạch ngang (tối đa 40 ký tự)."), field="code")
    if not code.isascii():
        raise error(ValidationError, N_("Mã chỉ gồm chữ không dấu, số, gạch ngang (tối đa 40 ký tự)."), field="code")
    return code


def require_province_admin(actor: User | None) -> None:
    """Wards and the province are the province admin's business (a ward admin runs only their ward)."""
    if actor is None or actor.role != Role.admin.value or actor.ward_id is not None:
        raise error(PermissionDenied, N_("Chỉ quản trị viên cấp tỉnh được quản lý phường, xã và tỉnh."))


def _name(value: str | None, field: str, *, required: bool = True) -> str | None:
    value = " ".join((value or "").split())
    if not value:
        if required:
            raise error(ValidationError, N_("Tên không được để trống (tối đa 200 ký tự)."), field=field)
        return None
    if len(value) > MAX_NAME:
        raise error(ValidationError, N_("Tên không được để trống (tối đa 200 ký tự)."), field=field)
    return value


def add_ward(
    session: Session, code: str | None, name: str | None, *, district: str | None = None, actor: User | None = None
) -> Ward:
    """A new ward or commune of the province.  Ward codes are unique in the installation; a code in use is
    refused and nothing is added."""
    code = clean_code(code)
    name = _name(name, "name")
    district = _name(district, "district", required=False)
    if session.scalar(select(Ward.id).where(Ward.code == code).execution_options(all_wards=True)) is not None:
        raise error(Conflict, N_("Mã phường, xã %(code)s đã có."), field="code", code=code)
    province = installation_province(session)
    ward = Ward(code=code, name=name, district=district, province=province.name, province_ref=province)
    session.add(ward)
    session.flush()
    audit(session, "ward.create", user=actor, obj=ward, detail={"code": code, "name": name})
    return ward


def set_province(
    session: Session,
    *,
    code: str | None = None,
    name: str | None = None,
    issuer: str | None = None,
    actor: User | None = None,
) -> Province:
    """Change the province's code, name and the issuer printed on its reports (what is None stays)."""
    province = installation_province(session)
    if code is not None:
        province.code = clean_code(code)
    if name is not None:
        province.name = _name(name, "name")
    if issuer is not None:
        province.issuer = _name(issuer, "issuer", required=False)
    session.flush()
    detail = {"code": province.code, "name": province.name, "issuer": province.issuer}
    audit(session, "province.update", user=actor, object_type="provinces", object_id=province.id, detail=detail)
    return province


@dataclass(frozen=True)
class WardRow:
    code: str
    name: str
    district: str | None
    stations: int
    users: int


def ward_rows(session: Session) -> list[WardRow]:
    """Every ward with its number of stations and users, by name (two grouped counts, not one per ward)."""
    stations = dict(session.execute(select(Station.ward_id, func.count(Station.id)).group_by(Station.ward_id)).all())
    users = dict(
        session.execute(
            select(User.ward_id, func.count(User.id)).where(User.ward_id.is_not(None)).group_by(User.ward_id)
        ).all()
    )
    wards = session.scalars(select(Ward).order_by(Ward.name))
    return [WardRow(w.code, w.name, w.district, stations.get(w.id, 0), users.get(w.id, 0)) for w in wards]
