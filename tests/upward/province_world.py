"""A province of three wards built with the ORM, with hand-computed figures for quarter III of 2026.

Province TINHTHU "Tỉnh Thử" (issuer "SỞ VĂN HÓA VÀ THỂ THAO TỈNH THỬ").
  PA "Phường An": stations PA1, PA2; plan (due day 10): CCHC 5 min and 2 CCHC airings per quarter -> met.
  PB "Phường Bình": station PB1; plan (due day 15): CCHC 10 min per quarter -> behind (0 %).
  PC "Xã Cát": station PC1 with a device offline one day (01/08 → 02/08); no plan.
Aired in the quarter (local dates, UTC+7):
  PA1 01/08 sang cchc-tthc 600 s (the province bulletin), 02/08 sang cchc-tthc 600 s, 02/08 sang van-hoa 300 s
  PA2 03/08 chieu cchc-chung 120 s; 04/08 toi y-te failed (a missed session)
  PB1 05/08 sang van-hoa 240 s
  PC1 06/08 sang cchc-tthc 60 s
  outside: PA1 30/06 cchc-tthc 999 s, PB1 01/10 van-hoa 999 s.
Ward totals: PA 4 airings 1620 s (CCHC 3 airings 1320 s, sessions aired 3, missed 1); PB 1 airing 240 s
(no CCHC); PC 1 airing 60 s (CCHC).  A province bulletin (normal) delivered to PA1 (accepted, aired), PB1
(declined "Trùng lịch phát") and, priority, to PC1 (accepted).
Users: tinh.xem (province viewer), tinh.vanhanh (province operator), pa.xem (viewer of PA), pa.vanhanh.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import select

from broadcast.domain.models import (
    AsRun,
    Bulletin,
    Category,
    Delivery,
    Department,
    DeviceEvent,
    Plan,
    PlanTarget,
    Province,
    Station,
    Ward,
)
from broadcast.network.devices import add_device
from broadcast.users import add_user

PASSWORD = "loaphuong2025"
ISSUER = "SỞ VĂN HÓA VÀ THỂ THAO TỈNH THỬ"
LOCAL = timezone(timedelta(hours=7))
WARDS = {"PA": ("Phường An", ["PA1", "PA2"]), "PB": ("Phường Bình", ["PB1"]), "PC": ("Xã Cát", ["PC1"])}
EXPECTED = {
    "PA": {"airings": 4, "duration_s": 1620, "cchc_airings": 3, "cchc_duration_s": 1320, "sessions_missed": 1},
    "PB": {"airings": 1, "duration_s": 240, "cchc_airings": 0, "cchc_duration_s": 0, "sessions_missed": 0},
    "PC": {"airings": 1, "duration_s": 60, "cchc_airings": 1, "cchc_duration_s": 60, "sessions_missed": 0},
}


def _local(m, d, hh, y=2026):
    return datetime(y, m, d, hh, tzinfo=LOCAL)


def _row(s, station, at, session_code, cat, status, seconds, bulletin=None):
    s.add(
        AsRun(
            station_id=station.id,
            air_date=at.date(),
            session_code=session_code,
            category_code=cat,
            department_code="VP",
            status=status,
            aired_ms=seconds * 1000,
            planned_ms=max(seconds, 60) * 1000,
            source="playout",
            bulletin_id=bulletin.id if bulletin else None,
            title=bulletin.title if bulletin else f"{cat} {at:%d/%m}",
            actual_start=at.astimezone(UTC),
            kind="bulletin",
        )
    )


def _plan(s, ward, due_day, targets):
    plan = Plan(
        ward=ward,
        title=f"Kế hoạch tuyên truyền CCHC năm 2026 của {ward.name}",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        report_due_day=due_day,
    )
    plan.targets = [PlanTarget(metric=m, category_code=c, value=v, per="quarter") for m, c, v in targets]
    s.add(plan)


def _device(s, station):
    device, _ = add_device(s, "PCTB1", station.code)
    device.created_at = datetime(2026, 1, 1, tzinfo=UTC)
    device.last_seen = datetime.now(UTC)
    for at, kind in (((7, 1, 0), "connect"), ((8, 1, 0), "disconnect"), ((8, 2, 0), "connect")):
        s.add(DeviceEvent(device_id=device.id, kind=kind, at=_local(*at)))


def _deliveries(s, stations, dept, author):
    category = s.scalar(select(Category).where(Category.code == "cchc-tthc"))
    bulletin = Bulletin(
        title="Tin tỉnh: dịch vụ công trực tuyến toàn trình",
        body="Nội dung.",
        category_id=category.id,
        department_id=dept.id,
        author_id=author.id,
        status="approved",
        valid_from=date(2026, 7, 1),
        valid_until=date(2026, 9, 30),
    )
    s.add(bulletin)
    s.flush()
    made = datetime(2026, 7, 15, tzinfo=UTC)
    for code, level, state, reason in (
        ("PA1", "normal", "accepted", None),
        ("PB1", "normal", "declined", "Trùng lịch phát"),
        ("PC1", "priority", "accepted", None),
    ):
        s.add(
            Delivery(
                bulletin_id=bulletin.id,
                station_id=stations[code].id,
                level=level,
                state=state,
                reason=reason,
                decided_at=made,
                created_at=made,
            )
        )
    return bulletin


def build(runtime, *, issuer: str | None = ISSUER) -> dict:
    """Create the province; returns ids by code."""
    with runtime.unit() as s:
        province = s.scalar(select(Province).limit(1))
        if province is None:
            province = Province(code="TINHTHU", name="Tỉnh Thử")
            s.add(province)
        province.code, province.name, province.issuer = "TINHTHU", "Tỉnh Thử", issuer
        stations, wards = {}, {}
        for code, (name, station_codes) in WARDS.items():
            ward = Ward(code=code, name=name, province_ref=province, province="Tỉnh Thử")
            wards[code] = ward
            for sc in station_codes:
                stations[sc] = Station(code=sc, name=f"Đài {sc}", ward=ward)
        s.add_all([*wards.values(), *stations.values()])
        s.flush()
        dept = Department(code="SVHTT", name="Sở Văn hóa và Thể thao", ward_id=None)
        s.add(dept)
        s.flush()
        author = add_user(s, "tinh.bientap", "submitter", PASSWORD, department="SVHTT")
        add_user(s, "tinh.xem", "viewer", PASSWORD)
        add_user(s, "tinh.vanhanh", "operator", PASSWORD)
        add_user(s, "pa.xem", "viewer", PASSWORD, ward="PA")
        add_user(s, "pa.vanhanh", "operator", PASSWORD, ward="PA")
        bulletin = _deliveries(s, stations, dept, author)
        _row(s, stations["PA1"], _local(8, 1, 6), "sang", "cchc-tthc", "aired", 600, bulletin)
        _row(s, stations["PA1"], _local(8, 2, 6), "sang", "cchc-tthc", "aired", 600)
        _row(s, stations["PA1"], _local(8, 2, 6), "sang", "van-hoa", "aired", 300)
        _row(s, stations["PA2"], _local(8, 3, 17), "chieu", "cchc-chung", "aired", 120)
        _row(s, stations["PA2"], _local(8, 4, 20), "toi", "y-te", "failed", 0)
        _row(s, stations["PB1"], _local(8, 5, 6), "sang", "van-hoa", "aired", 240)
        _row(s, stations["PC1"], _local(8, 6, 6), "sang", "cchc-tthc", "aired", 60)
        _row(s, stations["PA1"], _local(6, 30, 6), "sang", "cchc-tthc", "aired", 999)
        _row(s, stations["PB1"], _local(10, 1, 6), "sang", "van-hoa", "aired", 999)
        _plan(s, wards["PA"], 10, [("minutes", "cchc", 5), ("airings", "cchc", 2)])
        _plan(s, wards["PB"], 15, [("minutes", "cchc", 10)])
        _device(s, stations["PC1"])
        s.flush()
        return {"bulletin_id": bulletin.id, "stations": {k: v.id for k, v in stations.items()}}
