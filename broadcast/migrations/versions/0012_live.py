"""live broadcasts: who spoke, on which stations, the audio as it arrived and the recording

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

import broadcast.domain.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

JSON = broadcast.domain.types.JSONText()
UTC = broadcast.domain.types.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "live_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("station_ids", JSON, nullable=False),
        sa.Column("clusters", JSON, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("media_path", sa.String(500), nullable=False),
        sa.Column("mime", sa.String(100), nullable=True),
        sa.Column("bytes_received", sa.BigInteger(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("started_at", UTC, nullable=True),
        sa.Column("last_chunk_at", UTC, nullable=True),
        sa.Column("ended_at", UTC, nullable=True),
        sa.Column("end_reason", sa.String(300), nullable=True),
        sa.Column("recording_path", sa.String(500), nullable=True),
        sa.Column("recording_ms", sa.Integer(), nullable=True),
        sa.Column("bulletin_id", sa.Integer(), sa.ForeignKey("bulletins.id"), nullable=True),
    )
    op.create_index("ix_live_sessions_status", "live_sessions", ["status"])


def downgrade() -> None:
    op.drop_index("ix_live_sessions_status", table_name="live_sessions")
    op.drop_table("live_sessions")
