"""Migrations: up on an empty database, one head, models and migrations agree."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError

from broadcast.domain.categories import CATEGORY_CODES
from broadcast.domain.models import AsRun, AuditLog, Base, Category, Station, Ward
from broadcast.domain.types import utcnow
from broadcast.errors import ConfigError
from broadcast.migrate import check_schema_current, current_revision, head_revision, upgrade


def test_single_head_and_database_at_head(runtime):
    assert current_revision(runtime.engine) == head_revision()
    check_schema_current(runtime.engine)  # does not raise


def test_models_match_migrations(runtime):
    with runtime.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_every_table_created(runtime):
    tables = set(inspect(runtime.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_categories_seeded_with_stable_codes(session):
    codes = set(session.scalars(select(Category.code)))
    assert codes == set(CATEGORY_CODES)
    assert "cchc-tthc" in codes and "thien-tai" in codes


def test_upgrade_is_idempotent(runtime):
    upgrade(runtime.engine)
    assert current_revision(runtime.engine) == head_revision()


def test_older_schema_is_refused_with_one_sentence(old_schema):
    with pytest.raises(ConfigError) as err:
        check_schema_current(old_schema.engine)
    assert "broadcast db upgrade" in err.value.message


def _as_run_row(session):
    ward = Ward(code="W", name="W")
    station = Station(code="S", name="S", ward=ward)
    session.add_all([ward, station])
    session.flush()
    row = AsRun(station_id=station.id, air_date=utcnow().date(), actual_start=utcnow(), title="x")
    session.add(row)
    session.commit()
    return row


def test_as_run_rows_cannot_be_deleted(session):
    row = _as_run_row(session)
    with pytest.raises(DBAPIError):
        session.execute(text("DELETE FROM as_run WHERE id = :id"), {"id": row.id})
        session.commit()
    session.rollback()
    assert session.scalar(select(func.count(AsRun.id))) == 1


def test_audit_log_is_append_only(session):
    session.add(AuditLog(action="test"))
    session.commit()
    for sql in ("UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError):
            session.execute(text(sql))
            session.commit()
        session.rollback()
    assert session.scalar(select(AuditLog.action)) == "test"
