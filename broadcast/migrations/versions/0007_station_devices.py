"""station devices: agents, their events and commands; as-run rows delivered by a device

``devices`` (a station agent with a hashed token and its last heartbeat),
``device_events`` (connect/disconnect/reboot/command/refused history) and
``device_commands`` (commands sent over MQTT or polled over HTTP).
``as_run`` gains ``device_id`` and ``uid`` (the agent's stable row id, unique, so
a row delivered twice is stored once) by plain ADD COLUMN and CREATE INDEX,
never a batch copy, which on SQLite would drop the append-only triggers.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

import broadcast.domain.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UTC = broadcast.domain.types.UTCDateTime(timezone=True)
JSON = broadcast.domain.types.JSONText()


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("clusters", JSON, nullable=False),
        sa.Column("token_prefix", sa.String(length=12), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("revoked_at", UTC, nullable=True),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("last_seen", UTC, nullable=True),
        sa.Column("now_playing", sa.String(length=300), nullable=True),
        sa.Column("version", sa.String(length=40), nullable=True),
        sa.Column("last_sync", UTC, nullable=True),
        sa.Column("disk_free", sa.BigInteger(), nullable=True),
        sa.Column("temperature", sa.Float(), nullable=True),
        sa.Column("volume", sa.Integer(), nullable=True),
        sa.Column("clock_offset_ms", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["station_id"], ["stations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_devices_station_id", "devices", ["station_id"])
    op.create_table(
        "device_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("detail", JSON, nullable=True),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_device_events_device_at", "device_events", ["device_id", "at"])
    op.create_table(
        "device_commands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("args", JSON, nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("acked_at", UTC, nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_device_commands_device_status", "device_commands", ["device_id", "status"])
    op.add_column("as_run", sa.Column("device_id", sa.Integer(), nullable=True))
    op.add_column("as_run", sa.Column("uid", sa.String(length=64), nullable=True))
    op.create_index("ix_as_run_device_id", "as_run", ["device_id"])
    op.create_index("ux_as_run_uid", "as_run", ["uid"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_as_run_uid", table_name="as_run")
    op.drop_index("ix_as_run_device_id", table_name="as_run")
    # DROP COLUMN without a batch copy (SQLite >= 3.35), keeping the append-only triggers.
    op.drop_column("as_run", "uid")
    op.drop_column("as_run", "device_id")
    op.drop_table("device_commands")
    op.drop_table("device_events")
    op.drop_table("devices")
