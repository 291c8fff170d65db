"""Upgrade to revision 0015: the day rollups are filled from the existing as-run log, and a row still airing
at the upgrade counts once when it closes (on the suite's database kind, in a fresh database)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from alembic import command
from sqlalchemy import update
from sqlalchemy.orm import Session

from broadcast.db import make_engine
from broadcast.domain.models import AsRun, Station, Ward
from broadcast.migrate import alembic_config, current_revision, upgrade
from tests.reports.airtime.test_rollups import expected_rollups, stored_rollups
from tests.test_migration_0014 import fresh_url  # noqa: F401  (the fixture: an empty database of the suite's kind)

ROWS = [
    # (station, day, session, category, department, title, status, aired_ms, planned_ms, source, kind)
    (0, 1, "sang", "cchc-tthc", "VP", "Thông báo tiếp công dân", "aired", 120_000, 120_000, "playout", "bulletin"),
    (0, 1, "sang", "cchc-tthc", "VP", "Thông báo tiếp công dân", "aired", 0, 90_000, "manual", "bulletin"),
    (0, 1, "sang", "y-te", None, "Tiêm chủng mở rộng", "interrupted", 30_000, 60_000, "playout", "bulletin"),
    (0, 2, None, None, None, "Nhạc hiệu", "aired", 15_000, 15_000, "playout", "filler"),
    (1, 1, "chieu", "thoi-su", None, "VOV1", "aired", 600_000, 900_000, "playout", "relay"),
    (1, 2, "chieu", "thien-tai", "DCXD", "Phòng chống bão", "missed", 0, 60_000, "playout", "bulletin"),
    (2, 3, "sang", "cchc-tthc", "VP", "Thông báo tiếp công dân", "failed", 0, 120_000, "playout", "bulletin"),
    (2, 3, "sang", "cchc-tthc", "VP", "Thông báo tiếp công dân", "airing", 0, 120_000, "playout", "bulletin"),
]


@pytest.fixture
def upgraded(fresh_url):  # noqa: F811
    engine = make_engine(fresh_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0014")
    assert current_revision(engine) == "0014"
    with Session(engine) as session:
        wards = [Ward(code="MOLAO", name="Phường Mộ Lao"), Ward(code="KIENHUNG", name="Phường Kiến Hưng")]
        stations = [
            Station(ward=wards[0], code="MOLAO", name="Đài Mộ Lao"),
            Station(ward=wards[0], code="TDP5", name="Cụm 5"),
            Station(ward=wards[1], code="KIENHUNG", name="Đài Kiến Hưng"),
        ]
        session.add_all(wards + stations)
        session.flush()
        for n, (st, day, q, cat, dept, title, status, aired, planned, source, kind) in enumerate(ROWS):
            session.add(
                AsRun(
                    station_id=stations[st].id,
                    air_date=date(2025, 10, day),
                    session_code=q,
                    category_code=cat,
                    department_code=dept,
                    title=title,
                    status=status,
                    aired_ms=aired,
                    planned_ms=planned,
                    source=source,
                    kind=kind,
                    actual_start=datetime(2025, 10, day, 6, n, tzinfo=UTC),
                )
            )
        session.commit()
    upgrade(engine)
    yield engine
    engine.dispose()


def test_the_rollups_are_filled_from_the_existing_log(upgraded):
    with Session(upgraded) as session:
        sess, item = stored_rollups(session)
        assert (sess, item) == expected_rollups(session)
        assert len(sess) == 6 and len(item) == 4  # the airing row counts nowhere yet


def test_a_row_airing_at_the_upgrade_counts_once_when_it_closes(upgraded):
    with Session(upgraded) as session:
        session.execute(update(AsRun).where(AsRun.status == "airing").values(status="aired", aired_ms=118_000))
        session.commit()
        sess, item = stored_rollups(session)
        assert (sess, item) == expected_rollups(session)
        key = next(k for k in sess if k[0] == date(2025, 10, 3))
        assert sess[key] == [1, 118_000, 0, 1]
