"""`broadcast ward|province|department` and `user add --ward` (broadcast/cli/wards.py, broadcast/cli/core.py)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from broadcast.cli import main
from broadcast.domain.models import AuditLog, Department, Province, User, Ward
from tests.bulletins.fast import fast_hashing  # noqa: F401  (autouse)

PASSWORD = "mk-dai-du\n"


def run(env, *args, input=None):
    return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)


def _counts(session) -> tuple:
    session.expire_all()
    return tuple(session.scalar(select(func.count(m.id))) for m in (Ward, Department, User, Province, AuditLog))


def test_ward_add_then_list(cli_env, demo, session):
    added = run(cli_env, "ward", "add", "yenphuc", "--name", "Phường Yên Phúc", "--district", "Hà Đông")
    assert added.exit_code == 0, added.output
    assert "Đã thêm Phường Yên Phúc (mã YENPHUC)." in added.output
    ward = session.scalar(select(Ward).where(Ward.code == "YENPHUC"))
    assert ward.district == "Hà Đông" and ward.province_ref.code == "HANOI"
    assert session.scalar(select(AuditLog.action).where(AuditLog.ward_id == ward.id)) == "ward.create"
    listing = run(cli_env, "ward", "list")
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    assert lines[0] == "Hà Nội (mã HANOI)"
    assert any(line.split()[0] == "MOLAO" and "1 đài, 12 người dùng" in line for line in lines[1:])
    assert any(line.split()[0] == "VANPHUC" and "1 đài, 3 người dùng" in line for line in lines[1:])
    assert any(line.split()[0] == "YENPHUC" and "0 đài, 0 người dùng" in line for line in lines[1:])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ward", "add", "MOLAO", "--name", "Trùng"], "Mã phường, xã MOLAO đã có."),
        (["ward", "add", "vanphuc", "--name", "Trùng"], "Mã phường, xã VANPHUC đã có."),
        (["ward", "add", "MỘ LAO", "--name", "Có dấu"], "Mã chỉ gồm chữ không dấu"),
        (["ward", "add", "MOI", "--name", "  "], "Tên không được để trống"),
        (["province", "set", "--name", " "], "Tên không được để trống"),
        (["department", "add", "VHTT", "--name", "Trùng"], "Mã đơn vị VHTT đã có."),
        (["department", "add", "MOI", "--name", "Mới", "--ward", "KHONGCO"], "Không có phường, xã mã KHONGCO."),
    ],
)
def test_refusals_are_one_sentence_exit_2_and_change_nothing(cli_env, demo, session, args, message):
    before = _counts(session)
    result = run(cli_env, *args)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Lỗi: ") and message in result.output and "Traceback" not in result.output
    assert _counts(session) == before


def test_province_set(cli_env, demo, session):
    result = run(cli_env, "province", "set", "--code", "hn", "--name", "Thành phố Hà Nội", "--issuer", "SỞ VH&TT")
    assert result.exit_code == 0, result.output
    assert "Tỉnh: Thành phố Hà Nội (mã HN), báo cáo do SỞ VH&TT ban hành." in result.output
    province = session.scalar(select(Province))
    assert (province.code, province.name, province.issuer) == ("HN", "Thành phố Hà Nội", "SỞ VH&TT")
    # What is not given stays.
    assert run(cli_env, "province", "set", "--issuer", "UBND THÀNH PHỐ").exit_code == 0
    session.expire_all()
    assert session.scalar(select(Province.name)) == "Thành phố Hà Nội"


@pytest.mark.parametrize(
    ("args", "ward", "shown"),
    [
        (["department", "add", "doan-tn", "--name", "Đoàn TN", "--ward", "VANPHUC"], "VANPHUC", "Phường Vạn Phúc"),
        (["department", "add", "SO-YTE", "--name", "Sở Y tế"], None, "cấp tỉnh"),
    ],
)
def test_department_add(cli_env, demo, session, args, ward, shown):
    result = run(cli_env, *args)
    assert result.exit_code == 0, result.output
    code = args[2].upper()
    assert f"Đã thêm đơn vị {code} ({shown})." in result.output
    dept = session.scalar(select(Department).where(Department.code == code))
    assert (dept.ward.code if dept.ward else None) == ward


@pytest.mark.parametrize(
    ("extra", "ward", "shown"),
    [
        ([], None, "cấp tỉnh"),  # no --ward, no department: a province user
        (["--ward", "chuongmy"], "CHUONGMY", "Xã Chương Mỹ"),
        (["--department", "KIENHUNG-VP"], "KIENHUNG", "Phường Kiến Hưng"),  # the department's ward
        (["--department", "STTTT"], None, "cấp tỉnh"),  # a province department: a province user
        (["--department", "TP", "--ward", "MOLAO"], "MOLAO", "Phường Mộ Lao"),
    ],
)
def test_user_add_ward(cli_env, demo, session, extra, ward, shown):
    result = run(cli_env, "user", "add", "moi.nguoi", "--role", "operator", *extra, "--password-stdin", input=PASSWORD)
    assert result.exit_code == 0, result.output
    assert f"Đã thêm moi.nguoi (operator, {shown})." in result.output
    user = session.scalar(select(User).where(User.username == "moi.nguoi"))
    assert (session.get(Ward, user.ward_id).code if user.ward_id else None) == ward


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--ward", "KHONGCO"], "Không có phường, xã mã KHONGCO."),
        (["--department", "TP", "--ward", "VANPHUC"], "Đơn vị TP không thuộc phường, xã VANPHUC."),
    ],
)
def test_user_add_bad_ward(cli_env, demo, session, extra, message):
    before = _counts(session)
    result = run(cli_env, "user", "add", "moi.nguoi", "--role", "operator", *extra, "--password-stdin", input=PASSWORD)
    assert result.exit_code == 1 and message in result.output
    assert _counts(session) == before
