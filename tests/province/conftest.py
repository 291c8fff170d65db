"""A small province around the demo ward: a second ward (La Khê, station LAKHE on the null sink), a province
department (SOVHTT) with its submitter and a province approver, and helpers that send a bulletin down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from broadcast.bulletins import service, workflow
from broadcast.domain.models import Bulletin, Delivery, Department, Station, User, Ward
from broadcast.domain.types import utcnow
from broadcast.users import add_user
from tests.playout.conftest import service_factory, tones  # noqa: F401  (fixtures: playout on the null sink)

PROVINCE_SUBMITTER = "so.bientap"
PROVINCE_APPROVER = "so.lanhdao"
LAKHE_OPERATOR = "lakhe.vanhanh"


@pytest.fixture
def province(runtime, demo):
    """The demo ward MOLAO, a second ward LAKHE with its station and operator, the province's department
    and users. Returns the demo password."""
    with runtime.unit() as s:
        ward = Ward(code="LAKHE", name="Phường La Khê", province="Hà Nội")
        s.add(ward)
        s.add(Station(code="LAKHE", name="Đài truyền thanh phường La Khê", ward=ward, sink="null"))
        s.add(Department(code="SOVHTT", name="Sở Văn hóa và Thể thao", ward=None))
        s.flush()
        add_user(s, PROVINCE_SUBMITTER, "submitter", demo["password"], department="SOVHTT", full_name="Biên tập tỉnh")
        add_user(s, PROVINCE_APPROVER, "approver", demo["password"], full_name="Lãnh đạo Sở")
        add_user(s, LAKHE_OPERATOR, "operator", demo["password"], ward="LAKHE", full_name="Cán bộ đài La Khê")
    return demo["password"]


def province_data(**overrides) -> dict:
    today = utcnow().date()
    data = {
        "department": "SOVHTT",
        "title": "Hướng dẫn phòng chống sốt xuất huyết",
        "body": "Sở Y tế khuyến cáo người dân diệt lăng quăng, bọ gậy, ngủ màn.",
        "category": "y-te",
        "priority": "normal",
        "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=14)).isoformat(),
        "airings": 3,
    }
    data.update(overrides)
    return data


def user(session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


def send_down(runtime, *, recording: str | None = None, **fields) -> int:
    """A province bulletin written, submitted and approved by the province (unscoped, as the CLI would)."""
    with runtime.unit() as s:
        b = service.create_bulletin(s, user(s, PROVINCE_SUBMITTER), province_data(**fields), submit_now=True)
        if recording:
            b.recording_path = recording
        workflow.approve(s, b, user(s, PROVINCE_APPROVER))
        return b.id


def deliveries(runtime, bulletin_id: int) -> dict[str, tuple]:
    """station code -> (delivery id, level, state, reason)."""
    with runtime.unit() as s:
        rows = s.execute(
            select(Station.code, Delivery.id, Delivery.level, Delivery.state, Delivery.reason)
            .join(Station, Station.id == Delivery.station_id)
            .where(Delivery.bulletin_id == bulletin_id)
        ).all()
        return {r[0]: tuple(r[1:]) for r in rows}


def bulletin_count(runtime) -> int:
    with runtime.unit() as s:
        return len(s.scalars(select(Bulletin.id)).all())
