"""as-run indexes for the airtime report

Two covering indexes in the order the report aggregates, so each of its two
scans of a period's rows streams through an index with no sort and no table
lookups (a 1,000,000-row month on SQLite):

- ``ix_as_run_report_station``: day × station × session × category, with the
  status, source and durations the figures need;
- ``ix_as_run_report_item``: day × item (bulletin, title, category,
  department), with status, source, durations, start time and station.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STATION_COLUMNS = ["air_date", "station_id", "session_code", "category_code", "status", "source", "aired_ms",
                   "planned_ms"]
ITEM_COLUMNS = ["air_date", "bulletin_id", "title", "category_code", "department_code", "status", "source",
                "aired_ms", "planned_ms", "actual_start", "station_id"]


def upgrade() -> None:
    # Plain CREATE INDEX (never a batch copy, which on SQLite would drop the append-only triggers).
    op.create_index("ix_as_run_report_station", "as_run", STATION_COLUMNS)
    op.create_index("ix_as_run_report_item", "as_run", ITEM_COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_as_run_report_item", table_name="as_run")
    op.drop_index("ix_as_run_report_station", table_name="as_run")
