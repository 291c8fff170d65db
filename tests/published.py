"""A pytest plugin (see tests/conftest.py): a ward with bulletins in every publishing state,
with real MP3 audio where they aired.

``published`` returns ids by what the public may see:
- ``public``: approved, aired, public by category (phap-luat, cchc-tthc, y-te);
- ``chosen_public``: a thong-bao the approver turned public;
- ``private_default``: a thong-bao left on its category's default (off);
- ``turned_off``: a law bulletin the approver turned off;
- ``not_aired``: approved and public but never aired;
- ``withdrawn``: aired, then withdrawn;
- ``other_ward``: public and aired, of another ward (code ``DONGLA``).
"""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from broadcast.domain.models import AsRun, AudioRendition, Bulletin, Category, Department, Station, User, Ward

WARD = "MOLAO"
OTHER_WARD = "DONGLA"


@pytest.fixture(scope="session")
def mp3_tone(tmp_path_factory):
    """A one-second 440 Hz MP3, made once with ffmpeg."""
    path = tmp_path_factory.mktemp("public-audio") / "tone.mp3"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=1",
            "-ac",
            "1",
            "-ar",
            "44100",
            "-b:a",
            "64k",
            str(path),
        ],
        check=True,
    )
    return path


def add_bulletin(session, title, category, department, author, *, status="approved", public=None, body=None):
    b = Bulletin(
        title=title,
        body=body or f"{title}. Nội dung phát trên loa phường để bà con nắm được.",
        category=session.scalar(select(Category).where(Category.code == category)),
        department=department,
        author=author,
        status=status,
        public=public,
        valid_from=date(2026, 11, 1),
        valid_until=date(2026, 12, 31),
        airings_wanted=2,
        airings_left=1,
    )
    session.add(b)
    session.flush()
    return b


def add_rendition(session, bulletin, mp3):
    session.add(
        AudioRendition(
            content_hash=f"public-test-{bulletin.id}",
            bulletin_id=bulletin.id,
            bulletin_version=bulletin.version,
            engine="espeak",
            path=str(mp3),
            duration_ms=1000,
        )
    )


def add_airing(session, bulletin, station, when: datetime, status="aired"):
    session.add(
        AsRun(
            station_id=station.id,
            air_date=when.date(),
            kind="bulletin",
            bulletin_id=bulletin.id,
            title=bulletin.title,
            category_code=bulletin.category.code,
            actual_start=when,
            actual_end=when + timedelta(seconds=1),
            aired_ms=1000,
            status=status,
        )
    )


@pytest.fixture
def published(runtime, demo, mp3_tone):
    with runtime.unit() as s:
        station = s.scalar(select(Station).where(Station.code == "MOLAO"))
        dept = s.scalar(select(Department).where(Department.code == "VHTT"))
        author = s.scalar(select(User).where(User.username == "vanhoa"))
        base = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)  # 06:30 on the 21st in Hà Nội
        ids = {}
        plan = [
            ("public", "Thủ tục cấp căn cước trực tuyến", "cchc-tthc", {}, True),
            ("public", "Luật Đất đai sửa đổi có hiệu lực", "phap-luat", {}, True),
            ("public", "Tiêm chủng mở rộng tháng 12", "y-te", {}, True),
            ("chosen_public", "Lịch tiếp công dân tháng 12", "thong-bao", {"public": True}, True),
            ("private_default", "Thông báo nhận lại giấy tờ bị rơi", "thong-bao", {}, True),
            ("turned_off", "Hòa giải ở cơ sở", "phap-luat", {"public": False}, True),
            ("not_aired", "Phòng cháy chữa cháy mùa khô", "thien-tai", {}, False),
            ("withdrawn", "Tin đã rút", "van-hoa", {"status": "withdrawn"}, True),
        ]
        for n, (key, title, category, extra, aired) in enumerate(plan):
            b = add_bulletin(s, title, category, dept, author, **extra)
            add_rendition(s, b, mp3_tone)
            if aired:
                add_airing(s, b, station, base + timedelta(days=n % 3, minutes=n))
            ids.setdefault(key, []).append(b.id)
        other = Ward(code=OTHER_WARD, name="Xã Đông La")
        other_dept = Department(code="DL-VH", name="Văn hóa xã Đông La", ward=other)
        other_station = Station(code="DONGLA", name="Đài xã Đông La", ward=other)
        s.add_all([other, other_dept, other_station])
        s.flush()
        b = add_bulletin(s, "Tin của xã Đông La", "cchc-chung", other_dept, author)
        add_rendition(s, b, mp3_tone)
        add_airing(s, b, other_station, base)
        ids["other_ward"] = [b.id]
    return ids
