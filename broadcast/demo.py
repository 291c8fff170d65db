"""The demo province: Mộ Lao ward (Hà Đông, Hà Nội) with one station and 17 clusters, its departments, users,
bulletins and plan; beside it three small wards of our own invention (a station with a few clusters, a
department and three users each) and the province's own users and department.

The bulletins are our own writing on the themes of the 2025 CCHC propaganda
plans of Hà Nội's wards; names of documents and figures are illustrative.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .bulletins.targets import station_clusters
from .config import DEFAULT_SCHEDULES_DIR, Settings
from .domain.models import Bulletin, Category, Cluster, Department, Plan, PlanTarget, Station, Ward
from .domain.types import utcnow
from .errors import BroadcastError
from .programme.templates import load_schedules
from .security import audit
from .tenancy import installation_province
from .users import add_user

DEMO_PASSWORD = "loaphuong2025"

DEPARTMENTS = [
    ("VP", "Văn phòng HĐND - UBND phường"),
    ("VHTT", "Văn hóa - Thông tin"),
    ("TP", "Tư pháp - Hộ tịch"),
    ("TCKT", "Tài chính - Kế toán"),
    ("DCXD", "Địa chính - Xây dựng - Đô thị"),
    ("MTTQ", "Ủy ban MTTQ và các đoàn thể"),
    ("YTE", "Trạm Y tế phường"),
    ("CA", "Công an phường"),
]

USERS = [
    ("admin", "admin", None, "Quản trị hệ thống"),
    ("vanhanh", "operator", "VHTT", "Nguyễn Văn Hạnh (cán bộ đài)"),
    ("lanhdao", "approver", "VP", "Trần Thị Lan (Phó Chủ tịch UBND)"),
    ("vanhoa", "submitter", "VHTT", "Lê Minh Hòa (Văn hóa - Thông tin)"),
    ("tuphap", "submitter", "TP", "Phạm Thu Trang (Tư pháp - Hộ tịch)"),
    ("mttq", "submitter", "MTTQ", "Đỗ Văn Quang (UBMTTQ phường)"),
    ("vanphong", "submitter", "VP", "Hoàng Thị Mai (Văn phòng HĐND - UBND)"),
    ("taichinh", "submitter", "TCKT", "Vũ Đức Anh (Tài chính - Kế toán)"),
    ("diachinh", "submitter", "DCXD", "Ngô Văn Bình (Địa chính - Xây dựng)"),
    ("yte", "submitter", "YTE", "Bùi Thị Hạnh (Trạm Y tế)"),
    ("congan", "submitter", "CA", "Đặng Văn Sơn (Công an phường)"),
    ("xem", "viewer", None, "Người xem báo cáo"),
]

# (title, category, department, priority, status, airings, body)
BULLETINS = [
    (
        "Kế hoạch tuyên truyền cải cách hành chính năm 2025",
        "cchc-chung",
        "VP",
        "normal",
        "approved",
        6,
        "Thực hiện Kế hoạch số 23/KH-UBND ngày 04/02/2025 của UBND phường về cải cách hành chính nhà nước năm 2025, "
        "UBND phường Mộ Lao ban hành kế hoạch tuyên truyền CCHC. Mục tiêu là nâng cao chỉ số cải cách hành chính "
        "PAR INDEX và chỉ số hài lòng SIPAS, lấy sự hài lòng của người dân, tổ chức làm thước đo. Đề nghị các TDP "
        "phổ biến rộng rãi tới từng hộ gia đình.",
    ),
    (
        "Nộp hồ sơ trực tuyến trên Cổng dịch vụ công",
        "cchc-tthc",
        "VP",
        "priority",
        "approved",
        10,
        "Bộ phận tiếp nhận và trả kết quả của UBND phường tiếp nhận hồ sơ từ 8h00 đến 17h00 các ngày làm việc. "
        "Người dân có thể nộp hồ sơ trực tuyến toàn trình trên Cổng dịch vụ công quốc gia, theo dõi tiến độ và "
        "nhận kết quả tại nhà. Năm 2025, phường phấn đấu 100% hồ sơ được giải quyết đúng và trước hạn.",
    ),
    (
        "Kích hoạt tài khoản định danh điện tử mức 2",
        "cchc-chinh-quyen-so",
        "CA",
        "normal",
        "approved",
        8,
        "Công an phường đề nghị công dân từ đủ 14 tuổi trở lên kích hoạt tài khoản định danh điện tử VNeID mức 2 "
        "để thực hiện các thủ tục hành chính trên môi trường điện tử. Mọi thắc mắc xin liên hệ số điện thoại "
        "024.3382.4567 trong giờ hành chính.",
    ),
    (
        "Phổ biến văn bản quy phạm pháp luật mới",
        "cchc-the-che",
        "TP",
        "normal",
        "approved",
        4,
        "Từ ngày 01/7/2025, Luật Tổ chức chính quyền địa phương năm 2025 có hiệu lực. Công chức Tư pháp - Hộ tịch "
        "phường sẽ tổ chức hội nghị phổ biến tại nhà văn hóa TDP số 5 vào 19h30 thứ Sáu tuần này.",
    ),
    (
        "Công khai dự toán ngân sách phường năm 2025",
        "cchc-tai-chinh",
        "TCKT",
        "normal",
        "approved",
        3,
        "UBND phường công khai dự toán thu, chi ngân sách năm 2025 tại trụ sở và trên Cổng thông tin điện tử của "
        "phường. Tổng dự toán chi là 12.450.000.000 đồng, trong đó chi cho chuyển đổi số là 1.500.000.000 đồng.",
    ),
    (
        "Kỷ cương, trách nhiệm trong thực thi công vụ",
        "cchc-cong-vu",
        "VP",
        "normal",
        "approved",
        4,
        "Thực hiện chủ đề công tác năm 2025 của Thành phố là kỷ cương, trách nhiệm, hành động, sáng tạo, phát triển, "
        "cán bộ, công chức phường thực hiện nghiêm quy tắc ứng xử, đeo thẻ công chức và lắng nghe ý kiến của nhân dân. "
        "Người dân có thể phản ánh qua hòm thư góp ý đặt tại bộ phận một cửa.",
    ),
    (
        "Sắp xếp tổ chức bộ máy theo mô hình chính quyền hai cấp",
        "cchc-bo-may",
        "VP",
        "normal",
        "approved",
        4,
        "Từ ngày 01/7/2025, chính quyền địa phương được tổ chức theo mô hình hai cấp. Các thủ tục hành chính trước đây "
        "giải quyết tại quận nay được tiếp nhận tại phường. Người dân cần hỗ trợ xin liên hệ bộ phận một cửa.",
    ),
    (
        "Lịch tiêm chủng mở rộng tháng này",
        "y-te",
        "YTE",
        "normal",
        "approved",
        3,
        "Trạm Y tế phường tổ chức tiêm chủng mở rộng cho trẻ dưới 5 tuổi vào ngày 15 hằng tháng, từ 7h30 đến 11h00. "
        "Phụ huynh mang theo sổ tiêm chủng và đưa trẻ đến đúng giờ.",
    ),
    (
        "Chủ động phòng chống mưa lớn, ngập úng",
        "thien-tai",
        "DCXD",
        "priority",
        "approved",
        5,
        "Theo dự báo, trong 2 ngày tới khu vực có mưa to với lượng mưa phổ biến 100-200 mm. Đề nghị các hộ gia đình "
        "khơi thông cống rãnh, không để xe ở nơi trũng thấp và theo dõi thông báo của phường.",
    ),
    (
        "Hưởng ứng Ngày hội Đại đoàn kết toàn dân tộc",
        "van-hoa",
        "MTTQ",
        "normal",
        "submitted",
        3,
        "Hưởng ứng Ngày truyền thống Mặt trận Tổ quốc Việt Nam 18/11, Ban công tác Mặt trận 17 TDP tổ chức Ngày hội "
        "Đại đoàn kết toàn dân tộc. Kính mời bà con tham gia đông đủ.",
    ),
    (
        "Phòng chống sốt xuất huyết",
        "y-te",
        "YTE",
        "normal",
        "submitted",
        4,
        "Để phòng chống sốt xuất huyết, mỗi gia đình hãy diệt lăng quăng, bọ gậy, đậy kín dụng cụ chứa nước và ngủ màn "
        "kể cả ban ngày. Khi có dấu hiệu sốt cao trên 38 độ, cần đến cơ sở y tế ngay.",
    ),
    (
        "Đăng ký khai sinh trực tuyến liên thông",
        "cchc-tthc",
        "TP",
        "normal",
        "draft",
        4,
        "Cha mẹ có thể đăng ký khai sinh, thường trú và cấp thẻ bảo hiểm y tế cho trẻ dưới 6 tuổi bằng một bộ hồ sơ "
        "trực tuyến liên thông, không phải đến trụ sở.",
    ),
]


# The province: (code, name, issuer of its reports).
PROVINCE = ("HANOI", "Hà Nội", "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI")
PROVINCE_DEPARTMENT = ("STTTT", "Sở Văn hóa và Thể thao Hà Nội")
# Province users (ward NULL): their role over every ward.
PROVINCE_USERS = [
    ("tinh.admin", "admin", None, "Quản trị cấp thành phố"),
    ("tinh.bientap", "submitter", "STTTT", "Phan Thu Hà (Sở Văn hóa và Thể thao)"),
    ("tinh.duyet", "approver", "STTTT", "Lý Quốc Khánh (Phó Giám đốc Sở)"),
]
# The other wards of the demo province, each with one station (same code as the ward, null sink), its
# clusters, one department and an operator, an approver and a submitter: (code, name, district, clusters,
# department, users as (suffix, role)).
OTHER_WARDS = [
    (
        "VANPHUC",
        "Phường Vạn Phúc",
        "Hà Đông",
        [("TDP01", "Tổ dân phố số 1"), ("TDP02", "Tổ dân phố số 2"), ("TDP03", "Tổ dân phố số 3")],
        ("VANPHUC-VP", "Văn phòng HĐND - UBND phường Vạn Phúc"),
    ),
    (
        "KIENHUNG",
        "Phường Kiến Hưng",
        "Hà Đông",
        [("TDP01", "Tổ dân phố số 1"), ("TDP02", "Tổ dân phố số 2")],
        ("KIENHUNG-VP", "Văn phòng HĐND - UBND phường Kiến Hưng"),
    ),
    (
        "CHUONGMY",
        "Xã Chương Mỹ",
        "Chương Mỹ",
        [("THON01", "Thôn Đông"), ("THON02", "Thôn Đoài"), ("THON03", "Thôn Trung")],
        ("CHUONGMY-VP", "Văn phòng HĐND - UBND xã Chương Mỹ"),
    ),
]
OTHER_WARD_ROLES = [("vanhanh", "operator", "Cán bộ đài"), ("lanhdao", "approver", "Lãnh đạo UBND")]
OTHER_WARD_ROLES += [("vanphong", "submitter", "Văn phòng")]


def other_ward_users(code: str) -> list[tuple[str, str]]:
    """(username, role) of another demo ward's users: ``vanphuc.vanhanh`` …"""
    return [(f"{code.lower()}.{suffix}", role) for suffix, role, _ in OTHER_WARD_ROLES]


# Bulletins meant for some residential groups only (cluster targeting): the meeting at TDP 5's cultural house
# concerns TDP 5 and its neighbour TDP 7; the others go to the whole ward.
DEMO_CLUSTERS = {"Phổ biến văn bản quy phạm pháp luật mới": ("TDP05", "TDP07")}

DEMO_STATION = "MOLAO"
# The demo ward is defined by the checkout's own station file: a ward's BROADCAST_SCHEDULES_DIR
# holds its real stations (maybe no MOLAO at all, or another MOLAO), and the demo must not depend
# on it. Its stock audio still comes from ``settings.assets_dir``, where playout will look for it.
DEMO_SCHEDULES_DIR = DEFAULT_SCHEDULES_DIR


def _people(session: Session, ward, password: str) -> tuple[dict, dict]:
    """The demo departments and their users, by code and by username."""
    depts = {}
    for code, name in DEPARTMENTS:
        depts[code] = session.scalar(select(Department).where(Department.code == code)) or Department(
            code=code, name=name, ward=ward
        )
        session.add(depts[code])
    session.flush()
    users = {}
    for username, role, dept, full_name in USERS:
        users[username] = add_user(
            session, username, role, password, department=dept, full_name=full_name, ward=ward.code
        )
    return depts, users


def _bulletins(session: Session, station, depts: dict, users: dict, today: date) -> None:
    categories = {c.code: c for c in session.scalars(select(Category))}
    for title, cat, dept, priority, status, airings, body in BULLETINS:
        # Every department has its own submitter, so no demo bulletin is the
        # operator's or the approver's own (nobody approves their own bulletin).
        author = next(u for u in users.values() if u.department is depts[dept] and u.role == "submitter")
        b = Bulletin(
            title=title,
            body=body,
            category=categories[cat],
            department=depts[dept],
            author=author,
            priority=priority,
            status=status,
            valid_from=today - timedelta(days=2),
            valid_until=today + timedelta(days=30),
            airings_wanted=airings,
            airings_left=airings,
            all_stations=True,
        )
        b.clusters = [c for c in station.clusters if c.code in DEMO_CLUSTERS.get(title, ())]
        if status in ("submitted", "approved"):
            b.submitted_at = utcnow()
        if status == "approved":
            b.approved_at, b.approved_by = utcnow(), users["lanhdao"]
        session.add(b)


def _plan(ward, today: date) -> Plan:
    plan = Plan(
        ward=ward,
        title="Kế hoạch tuyên truyền cải cách hành chính năm " + str(today.year),
        number="28/KH-UBND",
        issued_on=date(today.year, 2, 10),
        period_start=date(today.year, 1, 1),
        period_end=date(today.year, 12, 31),
        report_due_day=10,
    )
    plan.targets = [
        PlanTarget(metric="minutes", category_code="cchc", value=60, label="Phút tin CCHC mỗi tháng"),
        PlanTarget(metric="airings", category_code="cchc", value=40, label="Lượt phát tin CCHC mỗi tháng"),
        PlanTarget(metric="column_sessions", category_code="cchc", value=8, label="Số buổi chuyên mục CCHC mỗi tháng"),
        PlanTarget(
            metric="minutes", category_code="cchc-tthc", value=15, label="Phút tin thủ tục hành chính mỗi tháng"
        ),
        PlanTarget(metric="minutes", category_code=None, value=300, label="Tổng số phút phát thanh mỗi tháng"),
    ]
    return plan


def load_demo(
    session: Session,
    settings: Settings,
    *,
    password: str = DEMO_PASSWORD,
    if_empty: bool = False,
    today: date | None = None,
    history_days: int = 0,
) -> dict | None:
    """Load the demo ward; with ``if_empty`` do nothing when a ward already exists.

    ``history_days`` adds that many days of past airtime (as-run rows marked as
    demo data), so the reports and the dashboard have something to show, and
    the audio of what aired, so the public listening page has something to play.
    """
    if if_empty and session.scalar(select(func.count(Ward.id))):
        return None
    stations = load_schedules(session, DEMO_SCHEDULES_DIR, settings.assets_dir, only=DEMO_STATION)
    station = stations[0]
    ward = station.ward
    ward.province, ward.district = "Hà Nội", "Hà Đông"
    depts, users = _people(session, ward, password)
    today = today or utcnow().astimezone(settings.tz).date()
    _bulletins(session, station, depts, users, today)
    session.add(_plan(ward, today))
    session.flush()
    history = _airtime_history(session, settings, station, today, history_days) if history_days else 0
    if history:
        _aired_audio(session, settings, station)
    others = _province(session, password)
    audit(session, "demo.load", object_type="wards", object_id=ward.id, detail={"history_rows": history})
    session.flush()
    return {
        "ward": ward.name,
        "bulletins": len(BULLETINS),
        "users": [(u, r) for u, r, _, _ in USERS],
        "wards": [ward.code] + others,
        "province_users": province_logins(),
    }


def province_logins() -> list[tuple[str, str]]:
    """(username, role) of the province's users and the other wards' users, as the CLI prints them."""
    logins = [(u, r) for u, r, _, _ in PROVINCE_USERS]
    for code, *_ in OTHER_WARDS:
        logins += other_ward_users(code)
    return logins


def _province(session: Session, password: str) -> list[str]:
    """The province around Mộ Lao: its name and issuer, its department and users, and the other wards (each
    with a station, clusters, a department and three users).  Returns the other wards' codes."""
    province = installation_province(session, name=PROVINCE[1])
    province.code, province.name, province.issuer = PROVINCE
    code, name = PROVINCE_DEPARTMENT
    if session.scalar(select(Department.id).where(Department.code == code)) is None:
        session.add(Department(code=code, name=name, ward_id=None))
    session.flush()
    for username, role, dept, full_name in PROVINCE_USERS:
        add_user(session, username, role, password, department=dept, full_name=full_name)
    for code, name, district, clusters, (dept_code, dept_name) in OTHER_WARDS:
        ward = Ward(code=code, name=name, province=PROVINCE[1], district=district, province_ref=province)
        station = Station(ward=ward, code=code, name=f"Đài truyền thanh {name[0].lower()}{name[1:]}", sink="null")
        station.clusters = [Cluster(code=c, name=n) for c, n in clusters]
        session.add_all([ward, station, Department(code=dept_code, name=dept_name, ward=ward)])
        session.flush()
        for (username, role), (_s, _r, title) in zip(other_ward_users(code), OTHER_WARD_ROLES):
            department = dept_code if role == "submitter" else None
            add_user(session, username, role, password, department=department, full_name=f"{title} {name}", ward=code)
    return [code for code, *_ in OTHER_WARDS]


def _aired_audio(session: Session, settings: Settings, station) -> int:
    """Audio of the approved (aired) demo bulletins, as the pre-render job would have made it before airing:
    the public listening page lists an aired bulletin only with its audio. A bulletin that cannot be read
    (no speech engine here) is left without; the demo still loads. Returns how many have audio."""
    from .speech.store import render_bulletins

    aired = list(session.scalars(select(Bulletin).where(Bulletin.status == "approved").order_by(Bulletin.id)))
    done = render_bulletins(session, aired, settings, station_voice=station.voice)
    return sum(1 for r in done if not isinstance(r, BroadcastError))


SPOKEN_CHARS_PER_SECOND = 14  # a calm reading pace, as the bulletin form estimates


def _airtime_history(session: Session, settings: Settings, station, today: date, days: int) -> int:
    """Past airings of the approved demo bulletins in the station's sessions, rotating fairly.

    Written as the playout would have logged them (one row per item, local air
    date, UTC times) and marked "dữ liệu mẫu" in the note.
    """
    from datetime import datetime

    from .domain.models import AsRun

    aired = list(session.scalars(select(Bulletin).where(Bulletin.status == "approved").order_by(Bulletin.id)))
    sessions = [t for t in station.sessions if t.enabled]
    rows = 0
    turn = 0
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        for tpl in sessions:
            if str(day.isoweekday()) not in tpl.days:
                continue
            start = datetime.combine(day, tpl.start_time, tzinfo=settings.tz)
            cursor = start + timedelta(seconds=20)  # signature tune and opening
            for k in range(4):
                b = aired[turn % len(aired)]
                turn += 1
                length_ms = max(15_000, len(b.body) * 1000 // SPOKEN_CHARS_PER_SECOND)
                session.add(
                    AsRun(
                        station_id=station.id,
                        session_code=tpl.code,
                        air_date=day,
                        position=k + 2,
                        kind="bulletin",
                        bulletin_id=b.id,
                        title=b.title,
                        category_code=b.category.code,
                        department_code=b.department.code,
                        scheduled_start=cursor,
                        actual_start=cursor,
                        actual_end=cursor + timedelta(milliseconds=length_ms),
                        planned_ms=length_ms,
                        aired_ms=length_ms,
                        lateness_ms=0,
                        status="aired",
                        source="playout",
                        sink=station.sink,
                        note="dữ liệu mẫu",
                        clusters=station_clusters(b, station.id),
                    )
                )
                cursor += timedelta(milliseconds=length_ms + 1500)
                rows += 1
    return rows
