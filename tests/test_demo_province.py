"""The demo province (broadcast/demo.py): Mộ Lao as before, three more wards and the province's users."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from broadcast.cli import main
from broadcast.demo import OTHER_WARDS, PROVINCE_USERS, USERS, other_ward_users
from broadcast.domain.models import Cluster, Department, Province, Station, User, Ward
from tests.conftest import login


def test_mo_lao_is_unchanged(demo, session):
    molao = session.scalar(select(Ward).where(Ward.code == "MOLAO"))
    station = session.scalar(select(Station).where(Station.code == "MOLAO"))
    assert station.ward_id == molao.id and len(station.clusters) == 17
    users = dict(session.execute(select(User.username, User.ward_id)).all())
    assert all(users[u] == molao.id for u, *_ in USERS)
    codes = set(session.scalars(select(Department.code).where(Department.ward_id == molao.id)))
    assert codes == {"VP", "VHTT", "TP", "TCKT", "DCXD", "MTTQ", "YTE", "CA"}
    assert demo["users"] == [(u, r) for u, r, *_ in USERS]


def test_the_province_and_its_wards(demo, session):
    province = session.scalar(select(Province))
    assert (province.code, province.name, province.issuer) == ("HANOI", "Hà Nội", "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI")
    assert session.scalar(select(func.count(Province.id))) == 1
    assert demo["wards"] == ["MOLAO", "VANPHUC", "KIENHUNG", "CHUONGMY"]
    for code, name, district, cluster_list, (dept_code, _dept_name) in OTHER_WARDS:
        ward = session.scalar(select(Ward).where(Ward.code == code))
        assert (ward.name, ward.district, ward.province_id) == (name, district, province.id)
        (station,) = ward.stations
        assert station.code == code and station.sink == "null" and station.enabled
        assert [c.code for c in station.clusters] == [c for c, _n in cluster_list] and 2 <= len(cluster_list) <= 3
        assert [d.code for d in ward.departments] == [dept_code]
        people = session.execute(select(User.username, User.role).where(User.ward_id == ward.id)).all()
        assert sorted(people) == sorted(other_ward_users(code))
        assert {r for _u, r in people} == {"operator", "approver", "submitter"}


def test_province_users_have_no_ward(demo, session):
    for username, role, dept, _name in PROVINCE_USERS:
        user = session.scalar(select(User).where(User.username == username))
        assert (user.role, user.ward_id) == (role, None)
        assert (user.department.code if user.department else None) == dept
    assert session.scalar(select(Department.ward_id).where(Department.code == "STTTT")) is None
    assert len(demo["province_users"]) == len(PROVINCE_USERS) + 3 * len(OTHER_WARDS)
    # Usernames and cluster codes per station stay unique.
    assert session.scalar(select(func.count(User.id))) == session.scalar(select(func.count(User.username.distinct())))
    assert session.scalar(select(func.count(Cluster.id))) == 17 + sum(len(w[3]) for w in OTHER_WARDS)


def test_every_demo_login_works(demo, app):
    for username, _role in demo["users"][:1] + demo["province_users"]:
        client = app.test_client()
        response = login(client, username, demo["password"])
        assert response.status_code == 302, username
        assert client.get("/").status_code == 200, username


def test_the_cli_prints_the_province_logins(cli_env, session):
    result = CliRunner().invoke(main, ["demo", "--if-empty", "--history-days", "0"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "Cùng thành phố Hà Nội: VANPHUC, KIENHUNG, CHUONGMY." in result.output
    for username, role, *_ in PROVINCE_USERS:
        assert any(line.split() == [username, role] for line in result.output.splitlines())
    assert any(line.split() == ["chuongmy.vanhanh", "operator"] for line in result.output.splitlines())
    again = CliRunner().invoke(main, ["demo", "--if-empty"], env=cli_env)
    assert "không nạp" in again.output and "tinh.admin" in again.output
