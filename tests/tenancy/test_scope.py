"""broadcast.tenancy on a plain session: what a ward user, a province user and an unscoped session see."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from broadcast import tenancy
from broadcast.domain.models import (
    AsRun,
    AuditLog,
    Bulletin,
    Cluster,
    Delivery,
    Department,
    Device,
    DeviceCommand,
    LexiconEntry,
    LiveSession,
    Plan,
    PlanTarget,
    PlayoutCommand,
    Programme,
    ProgrammeItem,
    Province,
    Station,
    UpstreamSource,
    User,
    Ward,
)


def _user(session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


@pytest.fixture
def scoped(runtime, province):
    """scoped(username) -> a session acting for that user (closed at the end)."""
    opened = []

    def _open(username: str):
        s = runtime.session()
        opened.append(s)
        tenancy.apply(s, _user(s, username))
        return s

    yield _open
    for s in opened:
        s.rollback()
        s.close()


def _other_ward_rows(province) -> list[tuple[type, object]]:
    o = province.other
    return [
        (Station, o.station_id),
        (Bulletin, o.bulletins["approved"]),
        (Bulletin, o.bulletins["draft"]),
        (Bulletin, o.province_bulletin_id),  # sent down to the other ward only
        (Programme, o.programme_id),
        (ProgrammeItem, o.item_id),
        (AsRun, o.relay_row_id),
        (AsRun, o.as_run_ids[0]),
        (Plan, o.plan_id),
        (LiveSession, o.live_id),
        (PlayoutCommand, o.playout_command_id),
        (DeviceCommand, o.device_command_id),
        (Delivery, o.delivery_id),
    ]


def test_a_ward_user_gets_nothing_of_another_ward(scoped, province):
    s = scoped("vanhanh")
    leaks = [(cls.__name__, pk) for cls, pk in _other_ward_rows(province) if s.get(cls, pk) is not None]
    assert leaks == []
    o = province.other
    by_code = [
        select(Station).where(Station.code == o.station_code),
        select(Ward).where(Ward.code == o.ward_code),
        select(Cluster).where(Cluster.code.in_(o.cluster_codes)),
        select(Device).where(Device.code == o.device_code),
        select(Department).where(Department.code == o.department_code),
        select(LexiconEntry).where(LexiconEntry.term == o.lexicon_term),
        select(UpstreamSource).where(UpstreamSource.code == o.source_code),
        select(User).where(User.username.like("khac.%")),
        select(AuditLog).where(AuditLog.ward_id.is_not(None), AuditLog.ward_id != s.get(Station, 1).ward_id),
        select(PlanTarget).where(PlanTarget.plan_id == o.plan_id),
        select(Bulletin).where(Bulletin.title.like(f"%{o.marker}%")),
        select(AsRun).where(AsRun.title.like(f"%{o.marker}%")),
    ]
    assert [str(q) for q in by_code if s.scalars(q).first() is not None] == []


def test_a_ward_user_sees_their_own_ward_and_the_province_shared_rows(scoped, province):
    s = scoped("vanhanh")
    own = province.own
    assert s.get(Station, own.station_id) is not None
    assert s.get(Bulletin, own.bulletins["draft"]) is not None
    assert s.get(Bulletin, own.province_bulletin_id) is not None  # delivered to the ward's station
    assert s.get(Bulletin, province.shared_bulletin_id) is not None
    assert s.get(LiveSession, own.live_id) is not None and s.get(Plan, own.plan_id) is not None
    assert s.scalar(select(Device).where(Device.code == own.device_code)) is not None
    # The province's department, users, lexicon and sources are shared with every ward.
    assert s.scalar(select(Department).where(Department.code == province.province_department)) is not None
    assert s.scalar(select(User).where(User.username == province.province_users["admin"])) is not None
    s.add(LexiconEntry(ward_id=None, term="tinhtu", spoken="tỉnh đọc"))
    s.add(UpstreamSource(code="VOVTINH", name="Đài tỉnh", url="http://127.0.0.1:9/t", ward_id=None))
    s.flush()
    assert s.scalar(select(LexiconEntry).where(LexiconEntry.term == "tinhtu")) is not None
    assert s.scalar(select(UpstreamSource).where(UpstreamSource.code == "VOVTINH")) is not None
    # Lists: only the own ward's stations and wards.
    assert set(s.scalars(select(Station.code))) == {"MOLAO"}
    assert set(s.scalars(select(Ward.code))) == {"MOLAO"}
    assert s.scalar(select(func.count()).select_from(Province)) == 1


def test_relationship_loads_are_scoped_too(scoped, province):
    s = scoped("vanhanh")
    shared = s.get(Bulletin, province.shared_bulletin_id)
    assert [d.station.code for d in shared.deliveries] == ["MOLAO"]
    ward = s.scalar(select(Ward).where(Ward.code == "MOLAO"))
    assert {st.code for st in ward.province_ref.wards} == {"MOLAO"}


def test_a_province_user_sees_every_ward(scoped, province):
    s = scoped(province.province_users["operator"])
    for cls, pk in _other_ward_rows(province):
        assert s.get(cls, pk) is not None, cls.__name__
    assert {"MOLAO", "KHACXA"} <= set(s.scalars(select(Station.code)))
    assert {d.station.code for d in s.get(Bulletin, province.shared_bulletin_id).deliveries} == {"MOLAO", "KHACXA"}
    assert s.scalar(select(func.count()).select_from(User).where(User.username.like("khac.%"))) == 5


def test_the_other_ward_sees_nothing_of_the_demo_ward(scoped, province):
    s = scoped("khac.admin")
    own = province.own
    assert s.get(Station, own.station_id) is None
    assert s.get(Bulletin, own.bulletins["approved"]) is None
    assert s.get(LiveSession, own.live_id) is None
    assert s.scalar(select(User).where(User.username == "vanhanh")) is None
    assert set(s.scalars(select(Station.code))) == {"KHACXA"}


def test_an_orm_update_or_delete_of_another_wards_rows_changes_nothing(runtime, scoped, province):
    o = province.other
    s = scoped("admin")
    statements = [
        update(Station).where(Station.code == o.station_code).values(name="đổi"),
        update(Bulletin).where(Bulletin.id == o.bulletins["draft"]).values(title="đổi"),
        update(Device).where(Device.code == o.device_code).values(now_playing="đổi"),
        update(Plan).where(Plan.id == o.plan_id).values(title="đổi"),
        update(UpstreamSource).where(UpstreamSource.code == o.source_code).values(name="đổi"),
        update(LexiconEntry).where(LexiconEntry.term == o.lexicon_term).values(spoken="đổi"),
        update(User).where(User.username == "khac.operator").values(full_name="đổi"),
    ]
    counts = [s.execute(q, execution_options={"synchronize_session": False}).rowcount for q in statements]
    assert counts == [0] * len(statements)
    s.commit()
    with runtime.unit() as check:
        assert check.scalar(select(Station.name).where(Station.code == o.station_code)).endswith(o.marker)
        assert "đổi" not in check.scalar(select(Bulletin.title).where(Bulletin.id == o.bulletins["draft"]))
        assert check.scalar(select(User.full_name).where(User.username == "khac.operator")).startswith(o.marker)


def test_all_wards_option_sees_everything(scoped, province):
    s = scoped("vanhanh")
    query = select(Station.code).execution_options(**{tenancy.ALL_WARDS: True})
    assert {"MOLAO", "KHACXA"} <= set(s.scalars(query))
    assert s.scalar(select(Device).where(Device.code == province.other.device_code)) is None
    found = s.scalar(
        select(Device).where(Device.code == province.other.device_code).execution_options(**{tenancy.ALL_WARDS: True})
    )
    assert found is not None


def test_an_unscoped_session_sees_everything(runtime, province):
    with runtime.unit() as s:
        assert tenancy.ward_id(s) is None
        assert {"MOLAO", "KHACXA"} <= set(s.scalars(select(Station.code)))


def test_scope_helpers(runtime, scoped, province):
    s = scoped("khac.viewer")
    wid = s.scalar(select(Ward.id).where(Ward.code == "KHACXA"))
    assert tenancy.ward_id(s) == wid and tenancy.is_ward_scoped(s)
    assert not tenancy.scope_of(_user(s, "khac.viewer")).is_province
    clause = tenancy.station_ids_clause(s, AsRun.__table__.c.station_id)
    rows = s.execute(select(AsRun.__table__.c.station_id).where(clause)).scalars().all()
    assert rows and set(rows) == {province.other.station_id}
    p = scoped(province.province_users["viewer"])
    assert tenancy.ward_id(p) is None and tenancy.station_ids_clause(p, AsRun.__table__.c.station_id) is None
    assert tenancy.scope_of(_user(p, province.province_users["viewer"])).is_province


def test_a_new_ward_joins_the_installation_province(runtime, province):
    with runtime.unit() as s:
        existing = s.scalar(select(Province))
        s.add(Ward(code="XAMOI", name="Xã Mới", province="Tỉnh khác"))
        s.flush()
        ward = s.scalar(select(Ward).where(Ward.code == "XAMOI"))
        assert ward.province_id == existing.id
        assert s.scalar(select(func.count()).select_from(Province)) == 1
        assert {w.province_id for w in s.scalars(select(Ward))} == {existing.id}


def test_ward_of(runtime, province):
    o = province.other
    with runtime.unit() as s:
        wid = s.scalar(select(Ward.id).where(Ward.code == "KHACXA"))
        ward = s.get(Ward, wid)
        rows = {
            "ward": ward,
            "station": s.get(Station, o.station_id),
            "cluster": s.scalar(select(Cluster).where(Cluster.code == o.cluster_codes[0])),
            "department": s.scalar(select(Department).where(Department.code == o.department_code)),
            "device": s.scalar(select(Device).where(Device.code == o.device_code)),
            "device command": s.get(DeviceCommand, o.device_command_id),
            "plan": s.get(Plan, o.plan_id),
            "plan target": s.scalar(select(PlanTarget).where(PlanTarget.plan_id == o.plan_id)),
            "programme": s.get(Programme, o.programme_id),
            "programme item": s.get(ProgrammeItem, o.item_id),
            "as-run": s.get(AsRun, o.relay_row_id),
            "live": s.get(LiveSession, o.live_id),
            "delivery": s.get(Delivery, o.delivery_id),
            "bulletin": s.get(Bulletin, o.bulletins["draft"]),
            "user": s.scalar(select(User).where(User.username == "khac.operator")),
            "lexicon": s.scalar(select(LexiconEntry).where(LexiconEntry.term == o.lexicon_term)),
        }
        assert {name: tenancy.ward_of(obj) for name, obj in rows.items()} == dict.fromkeys(rows, wid)
        province_rows = [
            s.scalar(select(Department).where(Department.code == province.province_department)),
            s.scalar(select(User).where(User.username == province.province_users["admin"])),
            s.get(Bulletin, province.shared_bulletin_id),
            None,
        ]
        assert [tenancy.ward_of(obj) for obj in province_rows] == [None] * 4


def test_the_audit_row_of_an_object_carries_its_ward(runtime, scoped, province):
    with runtime.unit() as s:
        wid = s.scalar(select(Ward.id).where(Ward.code == "KHACXA"))
        row = s.scalars(select(AuditLog).where(AuditLog.action == "station.update")).all()
        assert {r.ward_id for r in row} == {wid, s.scalar(select(Ward.id).where(Ward.code == "MOLAO"))}
    s = scoped("admin")
    assert all(r.ward_id != wid for r in s.scalars(select(AuditLog)))
    k = scoped("khac.admin")
    assert {r.ward_id for r in k.scalars(select(AuditLog))} == {wid}
