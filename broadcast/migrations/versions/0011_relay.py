"""relay: named upstream sources, relay programme items, relay as-run fields

``upstream_sources`` (VOV1, the provincial station...), ``programme_items.relay`` (the slot's URL, source
and fallback), ``as_run.upstream`` / ``fallback_ms`` / ``recording_path``. ``as_run`` only gains columns
(ALTER TABLE ADD COLUMN), so SQLite keeps the append-only triggers.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

import broadcast.domain.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

JSON = broadcast.domain.types.JSONText()
UTC = broadcast.domain.types.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "upstream_sources",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(40), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("url", sa.String(1000), nullable=False),
        sa.Column("category", sa.String(20), nullable=False, server_default="other"),
        sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("last_check", JSON, nullable=True),
        sa.Column("last_check_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
    )
    op.add_column("programme_items", sa.Column("relay", JSON, nullable=True))
    op.add_column("as_run", sa.Column("upstream", sa.String(300), nullable=True))
    op.add_column("as_run", sa.Column("fallback_ms", sa.Integer(), nullable=True))
    op.add_column("as_run", sa.Column("recording_path", sa.String(500), nullable=True))
    where = sa.text("kind = 'relay'")
    op.create_index(
        "ix_as_run_relay", "as_run", ["air_date", "station_id"], sqlite_where=where, postgresql_where=where
    )


def downgrade() -> None:
    op.drop_index("ix_as_run_relay", table_name="as_run")
    op.drop_column("as_run", "recording_path")
    op.drop_column("as_run", "fallback_ms")
    op.drop_column("as_run", "upstream")
    op.drop_column("programme_items", "relay")
    op.drop_table("upstream_sources")
