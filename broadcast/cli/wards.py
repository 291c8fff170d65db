"""Wards and the province: ``broadcast ward add|list``, ``broadcast province set``,
``broadcast department add``."""

from __future__ import annotations

import sys

import click

from ..errors import BroadcastError
from ..runtime import open_runtime


def _refuse(exc: BroadcastError) -> None:
    """A refused change (a code in use, a bad name): one sentence, exit status 2, nothing written."""
    click.echo(f"Lỗi: {exc.message}", err=True)
    sys.exit(2)


@click.group()
def ward():
    """Phường, xã của tỉnh."""


@ward.command("add")
@click.argument("code")
@click.option("--name", required=True, help="Tên phường, xã (ví dụ: Phường Vạn Phúc).")
@click.option("--district", default=None, help="Huyện, quận cũ (để dễ nhận ra).")
def ward_add(code, name, district):
    """Thêm một phường, xã (mã không trùng với phường, xã nào đã có)."""
    from ..wards import add_ward

    runtime = open_runtime()
    try:
        with runtime.unit() as session:
            added = add_ward(session, code, name, district=district)
            code, name = added.code, added.name
    except BroadcastError as exc:
        _refuse(exc)
    click.echo(f"Đã thêm {name} (mã {code}).")


@ward.command("list")
def ward_list():
    """Liệt kê các phường, xã với số đài và số người dùng."""
    from ..tenancy import installation_province
    from ..wards import ward_rows

    runtime = open_runtime()
    with runtime.unit() as session:
        province = installation_province(session)
        click.echo(f"{province.name} (mã {province.code})")
        for row in ward_rows(session):
            click.echo(f"  {row.code:<12} {row.name}  — {row.stations} đài, {row.users} người dùng")


@click.group()
def province():
    """Tỉnh, thành phố của cài đặt."""


@province.command("set")
@click.option("--code", default=None, help="Mã tỉnh (ví dụ: HANOI).")
@click.option("--name", default=None, help="Tên tỉnh, thành phố.")
@click.option("--issuer", default=None, help="Cơ quan ban hành in ở đầu báo cáo cấp tỉnh.")
def province_set(code, name, issuer):
    """Đặt mã, tên tỉnh và cơ quan ban hành báo cáo."""
    from ..wards import set_province

    runtime = open_runtime()
    try:
        with runtime.unit() as session:
            row = set_province(session, code=code, name=name, issuer=issuer)
            text = f"{row.name} (mã {row.code})" + (f", báo cáo do {row.issuer} ban hành" if row.issuer else "")
    except BroadcastError as exc:
        _refuse(exc)
    click.echo(f"Tỉnh: {text}.")


@click.group()
def department():
    """Đơn vị gửi tin."""


@department.command("add")
@click.argument("code")
@click.option("--name", required=True, help="Tên đơn vị.")
@click.option("--ward", default=None, help="Mã phường, xã; bỏ trống: đơn vị cấp tỉnh (gửi tin xuống các phường, xã).")
def department_add(code, name, ward):
    """Thêm một đơn vị của phường, xã hoặc cấp tỉnh."""
    from ..departments import add_department
    from ..security import audit

    runtime = open_runtime()
    try:
        with runtime.unit() as session:
            dept = add_department(session, code, name, ward=ward)
            audit(session, "department.create", obj=dept, detail={"code": dept.code, "via": "cli"})
            where = dept.ward.name if dept.ward is not None else "cấp tỉnh"
            code = dept.code
    except BroadcastError as exc:
        _refuse(exc)
    click.echo(f"Đã thêm đơn vị {code} ({where}).")


COMMANDS = [ward, province, department]
