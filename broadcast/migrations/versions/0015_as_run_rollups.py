"""as-run day rollups: the airtime report's figures kept per day as rows are written

Two derived tables, filled from the existing as-run log here and kept by triggers on every insert and every
update that changes what a row counts for (a heartbeat of an airing row fires nothing):

- ``as_run_day_session``: per day, station, session and category, the aired rows, their airtime, the part
  of it relayed, and the rows that did not air;
- ``as_run_day_item``: per day, ward and item (bulletin, title, category, department), the aired rows, their
  airtime, manual ones, interrupted ones, first and last airing.

A month's report then reads some thousands of rows instead of every row of the log (issue #16).  A missing
session, category or department is stored as ``''``; a missing bulletin as ``0``, and so is the ward of a
station the database does not hold (a station agent's own database logs its server's station); so every key
has a unique index the upsert can name on both databases.  The tables hold nothing that is not in
``as_run``: backups leave them out and the triggers rebuild them on restore.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

import broadcast.domain.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

UTC = broadcast.domain.types.UTCDateTime(timezone=True)
AIRED = "('aired', 'interrupted')"
COUNTED = "('aired', 'interrupted', 'failed', 'skipped', 'missed')"
# The columns a row's contribution depends on: an UPDATE of any other column (heartbeat_at, uid, note...)
# leaves the rollups alone.
WATCHED = (
    "station_id, air_date, session_code, category_code, status, aired_ms, planned_ms, kind, source, "
    "bulletin_id, title, department_code, actual_start"
)
SESSION_KEY = "air_date, station_id, session_code, category_code"
# pg_advisory_xact_lock's first key: the rollup writers' lock space (the second is the ward).
LOCK_SPACE = 15
ITEM_KEY = "air_date, ward_id, bulletin_id, title, category_code, department_code"


def _ms(r: str) -> str:
    """A row's airtime as the report counts it: measured, or planned for an aired row with none measured."""
    return (
        f"CASE WHEN {r}.status IN {AIRED} THEN (CASE WHEN {r}.aired_ms <> 0 OR {r}.status = 'interrupted' "
        f"THEN {r}.aired_ms ELSE COALESCE({r}.planned_ms, 0) END) ELSE 0 END"
    )


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _session_add(r: str) -> str:
    return f"""INSERT INTO as_run_day_session ({SESSION_KEY}, aired_n, aired_ms, relay_ms, not_aired_n)
        SELECT {r}.air_date, {r}.station_id, COALESCE({r}.session_code, ''), COALESCE({r}.category_code, ''),
               {_flag(f"{r}.status IN {AIRED}")}, {_ms(r)},
               CASE WHEN {r}.kind = 'relay' THEN {_ms(r)} ELSE 0 END,
               {_flag(f"{r}.status NOT IN {AIRED}")}
        WHERE {r}.status IN {COUNTED}
        ON CONFLICT ({SESSION_KEY}) DO UPDATE SET
            aired_n = as_run_day_session.aired_n + excluded.aired_n,
            aired_ms = as_run_day_session.aired_ms + excluded.aired_ms,
            relay_ms = as_run_day_session.relay_ms + excluded.relay_ms,
            not_aired_n = as_run_day_session.not_aired_n + excluded.not_aired_n"""


def _session_remove(r: str) -> str:
    return f"""UPDATE as_run_day_session SET
            aired_n = aired_n - {_flag(f"{r}.status IN {AIRED}")},
            aired_ms = aired_ms - {_ms(r)},
            relay_ms = relay_ms - CASE WHEN {r}.kind = 'relay' THEN {_ms(r)} ELSE 0 END,
            not_aired_n = not_aired_n - {_flag(f"{r}.status NOT IN {AIRED}")}
        WHERE {r}.status IN {COUNTED} AND air_date = {r}.air_date AND station_id = {r}.station_id
          AND session_code = COALESCE({r}.session_code, '') AND category_code = COALESCE({r}.category_code, '')"""


def _item_key_values(r: str) -> str:
    return (
        f"{r}.air_date, COALESCE((SELECT ward_id FROM stations WHERE id = {r}.station_id), 0), "
        f"COALESCE({r}.bulletin_id, 0), "
        f"{r}.title, COALESCE({r}.category_code, ''), COALESCE({r}.department_code, '')"
    )


def _item_add(r: str) -> str:
    manual = f"{r}.source = 'manual'"
    earlier = "excluded.first_at < as_run_day_item.first_at OR as_run_day_item.first_at IS NULL"
    later = "excluded.last_at > as_run_day_item.last_at OR as_run_day_item.last_at IS NULL"
    return f"""INSERT INTO as_run_day_item ({ITEM_KEY}, n, ms, manual_n, manual_ms, interrupted_n, first_at, last_at)
        SELECT {_item_key_values(r)}, 1, {_ms(r)}, {_flag(manual)}, CASE WHEN {manual} THEN {_ms(r)} ELSE 0 END,
               {_flag(f"{r}.status = 'interrupted'")}, {r}.actual_start, {r}.actual_start
        WHERE {r}.status IN {AIRED}
        ON CONFLICT ({ITEM_KEY}) DO UPDATE SET
            n = as_run_day_item.n + 1,
            ms = as_run_day_item.ms + excluded.ms,
            manual_n = as_run_day_item.manual_n + excluded.manual_n,
            manual_ms = as_run_day_item.manual_ms + excluded.manual_ms,
            interrupted_n = as_run_day_item.interrupted_n + excluded.interrupted_n,
            first_at = CASE WHEN {earlier} THEN excluded.first_at ELSE as_run_day_item.first_at END,
            last_at = CASE WHEN {later} THEN excluded.last_at ELSE as_run_day_item.last_at END"""


def _item_remove(r: str) -> str:
    # First and last airing stay as they were: an aired row never leaves the aired statuses nor changes
    # its start in this application (only airing rows are closed), so only the counts move back.
    manual = f"{r}.source = 'manual'"
    return f"""UPDATE as_run_day_item SET
            n = n - 1,
            ms = ms - {_ms(r)},
            manual_n = manual_n - {_flag(manual)},
            manual_ms = manual_ms - CASE WHEN {manual} THEN {_ms(r)} ELSE 0 END,
            interrupted_n = interrupted_n - {_flag(f"{r}.status = 'interrupted'")}
        WHERE {r}.status IN {AIRED} AND ({ITEM_KEY}) = ({_item_key_values(r)})"""


def _create_tables() -> None:
    op.create_table(
        "as_run_day_session",
        sa.Column("air_date", sa.Date(), primary_key=True),
        sa.Column("station_id", sa.Integer(), primary_key=True),
        sa.Column("session_code", sa.String(40), primary_key=True),
        sa.Column("category_code", sa.String(40), primary_key=True),
        sa.Column("aired_n", sa.Integer(), nullable=False),
        sa.Column("aired_ms", sa.BigInteger(), nullable=False),
        sa.Column("relay_ms", sa.BigInteger(), nullable=False),
        sa.Column("not_aired_n", sa.Integer(), nullable=False),
    )
    op.create_table(
        "as_run_day_item",
        sa.Column("air_date", sa.Date(), primary_key=True),
        sa.Column("ward_id", sa.Integer(), primary_key=True),
        sa.Column("bulletin_id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(300), primary_key=True),
        sa.Column("category_code", sa.String(40), primary_key=True),
        sa.Column("department_code", sa.String(40), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("ms", sa.BigInteger(), nullable=False),
        sa.Column("manual_n", sa.Integer(), nullable=False),
        sa.Column("manual_ms", sa.BigInteger(), nullable=False),
        sa.Column("interrupted_n", sa.Integer(), nullable=False),
        sa.Column("first_at", UTC, nullable=True),
        sa.Column("last_at", UTC, nullable=True),
    )


def _backfill() -> None:
    s = "as_run"
    op.execute(
        f"""INSERT INTO as_run_day_session ({SESSION_KEY}, aired_n, aired_ms, relay_ms, not_aired_n)
        SELECT air_date, station_id, COALESCE(session_code, ''), COALESCE(category_code, ''),
               SUM({_flag(f"{s}.status IN {AIRED}")}), SUM({_ms(s)}),
               SUM(CASE WHEN kind = 'relay' THEN {_ms(s)} ELSE 0 END), SUM({_flag(f"{s}.status NOT IN {AIRED}")})
        FROM as_run WHERE status IN {COUNTED}
        GROUP BY air_date, station_id, COALESCE(session_code, ''), COALESCE(category_code, '')"""
    )
    manual = f"{s}.source = 'manual'"
    item = (
        "as_run.air_date, COALESCE(stations.ward_id, 0), COALESCE(as_run.bulletin_id, 0), as_run.title, "
        "COALESCE(as_run.category_code, ''), COALESCE(as_run.department_code, '')"
    )
    op.execute(
        f"""INSERT INTO as_run_day_item ({ITEM_KEY}, n, ms, manual_n, manual_ms, interrupted_n, first_at, last_at)
        SELECT {item}, COUNT(*), SUM({_ms(s)}), SUM({_flag(manual)}), SUM(CASE WHEN {manual} THEN {_ms(s)} ELSE 0 END),
               SUM({_flag(f"{s}.status = 'interrupted'")}), MIN(as_run.actual_start), MAX(as_run.actual_start)
        FROM as_run LEFT JOIN stations ON stations.id = as_run.station_id
        WHERE as_run.status IN {AIRED}
        GROUP BY {item}"""
    )


def _sqlite_triggers() -> None:
    watched = f"AFTER UPDATE OF {WATCHED} ON as_run"
    when_new = f"WHEN NEW.status IN {COUNTED}"
    when_either = f"WHEN OLD.status IN {COUNTED} OR NEW.status IN {COUNTED}"
    op.execute(
        f"CREATE TRIGGER as_run_rollup_insert AFTER INSERT ON as_run {when_new} BEGIN "
        f"{_session_add('NEW')}; {_item_add('NEW')}; END"
    )
    op.execute(
        f"CREATE TRIGGER as_run_rollup_update {watched} {when_either} BEGIN "
        f"{_session_remove('OLD')}; {_item_remove('OLD')}; {_session_add('NEW')}; {_item_add('NEW')}; END"
    )


def _postgres_triggers() -> None:
    op.execute(
        f"""CREATE OR REPLACE FUNCTION loaphuong_as_run_rollup() RETURNS trigger AS $$
        DECLARE ward integer;
        BEGIN
            -- One writer of a ward's rollups at a time, until its transaction ends: an agent delivering a
            -- batch and the server's playout would otherwise lock the same rollup rows in different
            -- orders and one of them would fail on a deadlock.
            SELECT ward_id INTO ward FROM stations WHERE id = NEW.station_id;
            PERFORM pg_advisory_xact_lock({LOCK_SPACE}, COALESCE(ward, 0));
            IF TG_OP = 'UPDATE' THEN
                {_session_remove("OLD")};
                {_item_remove("OLD")};
            END IF;
            {_session_add("NEW")};
            {_item_add("NEW")};
            RETURN NULL;
        END $$ LANGUAGE plpgsql"""
    )
    op.execute(
        f"""CREATE TRIGGER as_run_rollup_insert AFTER INSERT ON as_run FOR EACH ROW
        WHEN (NEW.status IN {COUNTED}) EXECUTE FUNCTION loaphuong_as_run_rollup()"""
    )
    op.execute(
        f"""CREATE TRIGGER as_run_rollup_update AFTER UPDATE OF {WATCHED} ON as_run FOR EACH ROW
        WHEN (OLD.status IN {COUNTED} OR NEW.status IN {COUNTED}) EXECUTE FUNCTION loaphuong_as_run_rollup()"""
    )


def upgrade() -> None:
    _create_tables()
    _backfill()
    if op.get_bind().dialect.name == "postgresql":
        _postgres_triggers()
    else:
        _sqlite_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS as_run_rollup_insert ON as_run")
        op.execute("DROP TRIGGER IF EXISTS as_run_rollup_update ON as_run")
        op.execute("DROP FUNCTION IF EXISTS loaphuong_as_run_rollup()")
    else:
        op.execute("DROP TRIGGER IF EXISTS as_run_rollup_insert")
        op.execute("DROP TRIGGER IF EXISTS as_run_rollup_update")
    op.drop_table("as_run_day_item")
    op.drop_table("as_run_day_session")
