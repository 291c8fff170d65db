"""as-run: partial covering indexes for the airtime report

The report (broadcast/reports/airtime.py) now reads the aired rows and the
not-aired rows separately, so each index holds only the rows its query reads:

- ``ix_as_run_aired_station`` (aired/interrupted rows): day × station ×
  session × category with status and durations: the per-session figures, one
  streaming GROUP BY in index order on SQLite;
- ``ix_as_run_aired_item`` (aired/interrupted rows): day × item (bulletin,
  title, category, department) with status, source, durations and start:
  the per-bulletin figures;
- ``ix_as_run_not_aired`` (failed/skipped/missed rows, a few per cent of the
  log): the "not aired" counts and missed sessions, read from the index alone.

They replace the two full covering indexes of 0004, which no query uses any
more.  On PostgreSQL an ``ndistinct`` statistics object on the item key lets
the planner see that (bulletin, title, category, department) has a few
hundred values, not 10 % of the rows, so it hash-aggregates in parallel
instead of sorting the month to disk.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

AIRED = "status IN ('aired', 'interrupted')"
NOT_AIRED = "status IN ('failed', 'skipped', 'missed')"
AIRED_STATION = ["air_date", "station_id", "session_code", "category_code", "status", "aired_ms", "planned_ms"]
AIRED_ITEM = ["air_date", "bulletin_id", "title", "category_code", "department_code", "status", "source",
              "aired_ms", "planned_ms", "actual_start"]
NOT_AIRED_COLUMNS = ["air_date", "station_id", "session_code", "category_code"]
OLD_STATION = ["air_date", "station_id", "session_code", "category_code", "status", "source", "aired_ms",
               "planned_ms"]
OLD_ITEM = ["air_date", "bulletin_id", "title", "category_code", "department_code", "status", "source",
            "aired_ms", "planned_ms", "actual_start", "station_id"]
STATISTICS = "st_as_run_item"


def _where(sql: str) -> dict:
    return {"sqlite_where": sa.text(sql), "postgresql_where": sa.text(sql)}


def upgrade() -> None:
    # Plain CREATE/DROP INDEX (never a batch copy, which on SQLite would drop the append-only triggers).
    op.create_index("ix_as_run_aired_station", "as_run", AIRED_STATION, **_where(AIRED))
    op.create_index("ix_as_run_aired_item", "as_run", AIRED_ITEM, **_where(AIRED))
    op.create_index("ix_as_run_not_aired", "as_run", NOT_AIRED_COLUMNS, **_where(NOT_AIRED))
    op.drop_index("ix_as_run_report_item", table_name="as_run")
    op.drop_index("ix_as_run_report_station", table_name="as_run")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE STATISTICS {STATISTICS} (ndistinct) "
                   "ON bulletin_id, title, category_code, department_code FROM as_run")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")
    op.create_index("ix_as_run_report_station", "as_run", OLD_STATION)
    op.create_index("ix_as_run_report_item", "as_run", OLD_ITEM)
    op.drop_index("ix_as_run_not_aired", table_name="as_run")
    op.drop_index("ix_as_run_aired_item", table_name="as_run")
    op.drop_index("ix_as_run_aired_station", table_name="as_run")
