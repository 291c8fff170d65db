"""Two wards and a province, each object marked so that a leak shows in any response.

On top of the demo ward (MOLAO), ``province`` adds a second ward KHACXA ("Xã Khác") with its station,
clusters, device, department, users of every role, bulletins in each state, a plan, a lexicon entry,
an upstream source, today's programme, as-run rows, a live session, a relay recording, commands and an
audit row: every name, title and code of it carries ``ZZKHAC``.  The demo ward gets the same set of
objects marked ``ZZMOLAO`` (so a route can be called with the own ward's ids as with the other's), and
the province gets its department, a user of every role (ward NULL) and bulletins sent down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select

from broadcast.domain.models import (
    AsRun,
    Bulletin,
    Category,
    Cluster,
    DateOverride,
    Delivery,
    Department,
    DeviceCommand,
    LexiconEntry,
    LiveSession,
    Plan,
    PlanTarget,
    PlayoutCommand,
    Programme,
    ProgrammeItem,
    SessionTemplate,
    Station,
    UpstreamSource,
    User,
    Ward,
    WardSetting,
)
from broadcast.domain.types import utcnow
from broadcast.network.devices import add_device
from broadcast.security import audit
from broadcast.users import add_user

ROLES = ("admin", "operator", "approver", "submitter", "viewer")
MARK_OTHER = "ZZKHAC"
MARK_OWN = "ZZMOLAO"
STATES = ("draft", "submitted", "approved", "rejected", "withdrawn")
# The demo's users of each role (ward MOLAO).
DEMO_USERS = {"admin": "admin", "operator": "vanhanh", "approver": "lanhdao", "submitter": "vanhoa", "viewer": "xem"}


@dataclass
class WardWorld:
    """One ward's marked objects: what a route's path parameters are filled with."""

    marker: str
    ward_code: str
    station_code: str
    station_id: int = 0
    cluster_codes: list[str] = field(default_factory=list)
    device_code: str = ""
    department_code: str = ""
    users: dict[str, str] = field(default_factory=dict)  # role -> username
    bulletins: dict[str, int] = field(default_factory=dict)  # state -> id
    plan_id: int = 0
    lexicon_term: str = ""
    source_code: str = ""
    programme_id: int = 0
    item_id: int = 0
    as_run_ids: list[int] = field(default_factory=list)
    relay_row_id: int = 0
    live_id: int = 0
    override_id: int = 0
    playout_command_id: int = 0
    device_command_id: int = 0
    province_bulletin_id: int = 0  # a province bulletin delivered to this ward's station only
    delivery_id: int = 0


@dataclass
class World:
    own: WardWorld
    other: WardWorld
    province_users: dict[str, str]
    province_department: str
    shared_bulletin_id: int  # a province bulletin delivered to both wards
    password: str


def _fake_mp3(path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64)
    return str(path)


def _bulletin(s, w: WardWorld, dept, author, approver, state: str, title: str, today) -> Bulletin:
    category = s.scalar(select(Category).where(Category.code == "cchc-tthc"))
    b = Bulletin(
        title=title,
        body=f"{title}: nội dung {w.marker}.",
        category=category,
        department=dept,
        author=author,
        priority="normal",
        status=state,
        valid_from=today - timedelta(days=2),
        valid_until=today + timedelta(days=30),
        airings_wanted=3,
        airings_left=3,
        all_stations=True,
    )
    if state != "draft":
        b.submitted_at = utcnow()
    if state == "approved":
        b.approved_at, b.approved_by = utcnow(), approver
    if state == "rejected":
        b.review_comment = f"Trả lại {w.marker}"
    s.add(b)
    return b


def _content(s, w: WardWorld, station: Station, ward: Ward, dept, users: dict, settings) -> None:
    """Bulletins, plan, lexicon, source, programme, as-run, live, commands and audit of one ward."""
    m = w.marker
    now = utcnow().replace(microsecond=0)
    today = now.astimezone(settings.tz).date()
    author, approver, operator = users["submitter"], users["approver"], users["operator"]
    for state in STATES:
        b = _bulletin(s, w, dept, author, approver, state, f"{m} tin {state}", today)
        s.flush()
        w.bulletins[state] = b.id
    plan = Plan(ward=ward, title=f"{m} kế hoạch", period_start=today.replace(month=1, day=1), period_end=today)
    plan.period_end = today.replace(month=12, day=31)
    plan.targets = [PlanTarget(metric="minutes", category_code="cchc", value=60, label=f"{m} phút CCHC")]
    lex = LexiconEntry(ward_id=ward.id, term=f"{m.lower()}tu", spoken=f"{m.lower()} đọc là thế này")
    source = UpstreamSource(code=f"{m}SRC", name=f"{m} nguồn", url="http://127.0.0.1:9/zz", ward_id=ward.id)
    s.add_all([plan, lex, source])
    template = s.scalars(select(SessionTemplate).where(SessionTemplate.station_id == station.id)).first()
    programme = Programme(
        station_id=station.id,
        on_date=today,
        session_code=template.code,
        starts_at=now + timedelta(hours=3),
        max_duration_s=900,
    )
    programme.items = [
        ProgrammeItem(
            position=0,
            kind="bulletin",
            bulletin_id=w.bulletins["approved"],
            title=f"{m} tin approved",
            text=f"{m} đọc",
            planned_start=programme.starts_at,
            duration_ms=20_000,
        ),
        ProgrammeItem(
            position=1,
            kind="announcement",
            title=f"{m} thông báo",
            text=f"{m} thông báo",
            planned_start=programme.starts_at + timedelta(seconds=20),
            duration_ms=5_000,
        ),
    ]
    s.add(programme)
    data = settings.data_dir
    relay = AsRun(
        station_id=station.id,
        air_date=today - timedelta(days=1),
        session_code=template.code,
        kind="relay",
        title=f"{m} tiếp sóng",
        upstream=f"{m} nguồn",
        actual_start=now - timedelta(days=1),
        actual_end=now - timedelta(days=1) + timedelta(minutes=5),
        aired_ms=300_000,
        status="aired",
        recording_path=_fake_mp3(data / "relay" / f"{m}.mp3"),
    )
    aired = [
        AsRun(
            station_id=station.id,
            air_date=today - timedelta(days=k),
            session_code=template.code,
            position=1,
            kind="bulletin",
            bulletin_id=w.bulletins["approved"],
            title=f"{m} tin approved",
            category_code="cchc-tthc",
            department_code=dept.code,
            actual_start=now - timedelta(days=k),
            actual_end=now - timedelta(days=k) + timedelta(seconds=30),
            planned_ms=30_000,
            aired_ms=30_000,
            status="aired",
            note=f"{m} phát",
        )
        for k in (1, 2, 3)
    ]
    live = LiveSession(
        user_id=operator.id,
        ward_id=ward.id,
        station_ids=[station.id],
        status="ended",
        media_path=_fake_mp3(data / "live" / f"{m}.webm"),
        recording_path=_fake_mp3(data / "live" / f"{m}.mp3"),
        recording_ms=5000,
        ended_at=now - timedelta(hours=1),
        end_reason=f"{m} kết thúc",
    )
    override = DateOverride(
        station_id=station.id, on_date=today + timedelta(days=10), kind="holiday", note=f"{m} nghỉ", source="web"
    )
    command = PlayoutCommand(station_id=station.id, action="stop", status="done", created_by_id=operator.id)
    s.add_all([relay, *aired, live, override, command])
    s.flush()
    w.plan_id, w.lexicon_term, w.source_code = plan.id, lex.term, source.code
    w.programme_id, w.item_id = programme.id, programme.items[0].id
    w.relay_row_id, w.as_run_ids = relay.id, [r.id for r in aired]
    w.live_id, w.override_id, w.playout_command_id = live.id, override.id, command.id
    s.add(WardSetting(ward_id=ward.id, key="quiet_hours", value={"note": m}))
    audit(s, "station.update", user=users["admin"], obj=station, detail={"note": f"{m} nhật ký"})


def _network(s, w: WardWorld, station: Station, users: dict) -> None:
    device, _token = add_device(s, f"{w.marker}LOA", station.code, w.cluster_codes[0])
    device.now_playing = f"{w.marker} đang phát"
    cmd = DeviceCommand(device=device, action="volume", args={"volume": 40}, created_by_id=users["operator"].id)
    s.add(cmd)
    s.flush()
    w.device_code, w.device_command_id = device.code, cmd.id


def _other_ward(s, password: str) -> tuple[Ward, Station, Department, dict]:
    m = MARK_OTHER
    molao = s.scalar(select(Station).where(Station.code == "MOLAO"))
    ward = Ward(code="KHACXA", name=f"Xã Khác {m}", province="Hà Nội", district=f"Huyện {m}")
    station = Station(code="KHACXA", name=f"Đài truyền thanh {m}", ward=ward, sink="null")
    station.clusters = [Cluster(code=f"{m}{k}", name=f"Cụm loa {m} {k}", speakers=3) for k in (1, 2)]
    for tpl in molao.sessions:
        s.add(
            SessionTemplate(
                station=station,
                code=tpl.code,
                name=f"{tpl.name} {m}",
                start_time=tpl.start_time,
                days=tpl.days,
                max_duration_s=tpl.max_duration_s,
                slots=tpl.slots,
                enabled=tpl.enabled,
            )
        )
    dept = Department(code=f"{m}VP", name=f"Văn phòng {m}", ward=ward)
    s.add_all([ward, station, dept])
    s.flush()
    users = {}
    for role in ROLES:
        users[role] = add_user(
            s,
            f"khac.{role}",
            role,
            password,
            department=dept.code if role in ("submitter", "operator", "approver") else None,
            full_name=f"{m} {role}",
            ward=ward.code,
        )
    return ward, station, dept, users


def _own_ward(s) -> tuple[Ward, Station, Department, dict]:
    station = s.scalar(select(Station).where(Station.code == "MOLAO"))
    dept = s.scalar(select(Department).where(Department.code == "VHTT"))
    users = {role: s.scalar(select(User).where(User.username == name)) for role, name in DEMO_USERS.items()}
    return station.ward, station, dept, users


def _province(s, password: str) -> tuple[Department, dict]:
    dept = Department(code="SOZZTINH", name="Sở Văn hóa và Thể thao tỉnh (kiểm thử)", ward_id=None)
    s.add(dept)
    s.flush()
    users = {}
    for role in ROLES:
        users[role] = add_user(
            s,
            f"tinhzz.{role}",
            role,
            password,
            department=dept.code if role == "submitter" else None,
            full_name=f"Cán bộ tỉnh ({role})",
        )
        assert users[role].ward_id is None
    return dept, users


def _sent_down(s, dept, users, title: str, stations: list[Station], settings) -> Bulletin:
    today = utcnow().astimezone(settings.tz).date()
    holder = WardWorld(marker="", ward_code="", station_code="")
    b = _bulletin(s, holder, dept, users["submitter"], users["approver"], "approved", title, today)
    b.body = f"{title}: tin tỉnh gửi xuống."
    s.flush()
    for station in stations:
        s.add(Delivery(bulletin_id=b.id, station_id=station.id, level="normal", state="waiting"))
    s.flush()
    return b


def build_world(runtime, demo) -> World:
    password = demo["password"]
    settings = runtime.settings
    own = WardWorld(marker=MARK_OWN, ward_code="MOLAO", station_code="MOLAO")
    other = WardWorld(marker=MARK_OTHER, ward_code="KHACXA", station_code="KHACXA")
    with runtime.unit() as s:
        province_dept, province_users = _province(s, password)
        sides = [(own, _own_ward(s)), (other, _other_ward(s, password))]
        for w, (ward, station, dept, users) in sides:
            w.station_id, w.department_code = station.id, dept.code
            w.cluster_codes = [c.code for c in station.clusters][:2]
            w.users = {role: u.username for role, u in users.items()}
            _content(s, w, station, ward, dept, users, settings)
            _network(s, w, station, users)
        for w, (_ward, station, _dept, _users) in sides:
            b = _sent_down(s, province_dept, province_users, f"{w.marker} tin tỉnh riêng", [station], settings)
            w.province_bulletin_id = b.id
            w.delivery_id = s.scalar(select(Delivery.id).where(Delivery.bulletin_id == b.id))
        shared = _sent_down(
            s, province_dept, province_users, "Tin tỉnh chung", [sides[0][1][1], sides[1][1][1]], settings
        )
        world = World(
            own=own,
            other=other,
            province_users={role: u.username for role, u in province_users.items()},
            province_department=province_dept.code,
            shared_bulletin_id=shared.id,
            password=password,
        )
    return world


@pytest.fixture
def province(runtime, demo) -> World:
    """The demo ward, a second ward KHACXA and the province's own users and bulletins (see the module)."""
    return build_world(runtime, demo)
