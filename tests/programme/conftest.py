"""Helpers for the programme tests: a renderer answering from a table, bulletin factory, dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from broadcast.domain.models import Bulletin, Category, Department, User
from broadcast.domain.types import utcnow
from broadcast.programme.render import Audio


class TableRenderer:
    """Durations from a table and no audio files: honest injection for the filling rules."""

    def __init__(
        self,
        bulletins: dict[int, int] | None = None,
        *,
        default_ms: int = 60_000,
        announcement_ms: int = 8_000,
        assets: dict[str, int] | None = None,
        by_title: dict | None = None,
    ):
        self.bulletins = bulletins or {}
        self.by_title = by_title or {}
        self.default_ms = default_ms
        self.announcement_ms = announcement_ms
        self.assets = assets or {}
        self.rendered: list[int] = []
        self.voices: list = []  # the voice each announcement was asked for (None: the station's)

    def bulletin(self, bulletin):
        self.rendered.append(bulletin.id)
        ms = self.bulletins.get(bulletin.id, self.by_title.get(bulletin.title, self.default_ms))
        return Audio(None, ms)

    def announcement(self, text, voice=None):
        self.voices.append(voice)
        return Audio(None, self.announcement_ms)

    def asset(self, name):
        return Audio(None, self.assets.get(name, 8_000))

    def filler(self, name, duration_ms):
        return Audio(None, duration_ms)


@pytest.fixture
def table_renderer():
    return TableRenderer


def next_weekday(start: date, iso: int) -> date:
    """The first date on or after ``start`` with ISO weekday ``iso``."""
    return start + timedelta(days=(iso - start.isoweekday()) % 7)


def weekdays_left_in_month(day: date) -> int:
    """Monday-to-Friday dates from ``day`` to the end of its month, ``day`` included."""
    n, d = 0, day
    while d.month == day.month:
        n += d.isoweekday() <= 5
        d += timedelta(days=1)
    return n


@pytest.fixture
def today(settings) -> date:
    return utcnow().astimezone(settings.tz).date()


@pytest.fixture
def make_bulletin(session):
    """make_bulletin(title, category="thong-bao", priority="normal", ...) -> an approved bulletin (flushed)."""

    def _make(
        title: str,
        category: str = "thong-bao",
        *,
        priority: str = "normal",
        status: str = "approved",
        valid_from: date | None = None,
        valid_until: date | None = None,
        airings: int = 10,
        all_stations: bool = True,
        stations=(),
        department: str = "VHTT",
        body: str | None = None,
    ):
        cat = session.scalar(select(Category).where(Category.code == category))
        dept = session.scalar(select(Department).where(Department.code == department))
        author = session.scalar(select(User).where(User.username == "vanhoa"))
        today_ = utcnow().date()
        b = Bulletin(
            title=title,
            body=body or f"Nội dung {title}.",
            category=cat,
            department=dept,
            author=author,
            priority=priority,
            status=status,
            valid_from=valid_from or today_ - timedelta(days=60),
            valid_until=valid_until or today_ + timedelta(days=90),
            airings_wanted=airings,
            airings_left=airings,
            all_stations=all_stations,
            approved_at=utcnow(),
        )
        b.stations = list(stations)
        session.add(b)
        session.flush()
        return b

    return _make


@pytest.fixture
def clear_demo_bulletins(session, demo):
    """Withdraw the demo's bulletins so a test controls every candidate."""
    for b in session.scalars(select(Bulletin)):
        b.status = "withdrawn"
    session.flush()


@pytest.fixture(scope="session")
def shared_audio_cache(tmp_path_factory):
    """One rendition cache for the whole run, so real espeak audio is made once per text."""
    return tmp_path_factory.mktemp("programme-audio-cache")


@pytest.fixture
def rendered_day(session, settings, demo, clear_demo_bulletins, make_bulletin, today, shared_audio_cache):
    """A Wednesday of MOLAO built with real audio (espeak, short texts) and committed: (date, programmes)."""
    from broadcast.programme.build import build_day

    for name in ("renditions", "announcements"):
        (shared_audio_cache / name).mkdir(exist_ok=True)
        link = settings.data_dir / name
        if not link.exists():
            link.symlink_to(shared_audio_cache / name, target_is_directory=True)
    make_bulletin("Lịch tiêm chủng", "y-te", body="Trạm y tế tiêm chủng cho trẻ vào sáng thứ Bảy.")
    make_bulletin("Nộp hồ sơ trực tuyến", "cchc-tthc", body="Bà con nộp hồ sơ trên Cổng dịch vụ công.")
    on = next_weekday(today + timedelta(days=1), 3)
    progs = build_day(session, settings, "MOLAO", on, today=today)
    session.commit()
    return on, progs
