"""Fixtures for the bulletin desk: demo users and a helper that makes a bulletin in a given state."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from broadcast.bulletins import service
from broadcast.domain.models import Bulletin, User

from .fast import fast_hashing  # noqa: F401  (autouse)


@pytest.fixture
def users(demo, session):
    return {u.username: u for u in session.scalars(select(User))}


def bulletin_data(**overrides) -> dict:
    today = date.today()
    data = {
        "department": "VHTT",
        "title": "Thông báo lịch tiêm chủng",
        "body": "Trạm Y tế phường tổ chức tiêm chủng vào sáng thứ Bảy.",
        "category": "y-te",
        "priority": "normal",
        "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=7)).isoformat(),
        "airings": 3,
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_bulletin(session, users):
    """make_bulletin(status="submitted", author="vanhoa", **fields) -> Bulletin (flushed, not committed)."""

    def _make(status: str = "draft", author: str = "vanhoa", **fields) -> Bulletin:
        b = service.create_bulletin(session, users[author], bulletin_data(**fields))
        b.status = status
        session.flush()
        return b

    return _make
