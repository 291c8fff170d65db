"""publishing: bulletins on the ward's public page and feeds, embed origins, anonymous listen counts

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

import broadcast.domain.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

JSON = broadcast.domain.types.JSONText()
BULLETIN_AIRED = sa.text("status = 'aired' AND bulletin_id IS NOT NULL")


def upgrade() -> None:
    # NULL keeps each existing bulletin on its category's default; nothing to back-fill.
    op.add_column("bulletins", sa.Column("public", sa.Boolean(), nullable=True))
    op.create_index(
        "ix_as_run_bulletin_aired",
        "as_run",
        ["bulletin_id", "actual_start"],
        sqlite_where=BULLETIN_AIRED,
        postgresql_where=BULLETIN_AIRED,
    )
    op.add_column("wards", sa.Column("embed_origins", JSON, nullable=True))
    op.create_table(
        "listens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("bulletin_id", sa.Integer(), sa.ForeignKey("bulletins.id"), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.UniqueConstraint("bulletin_id", "channel", "day"),
    )
    op.create_index("ix_listens_day", "listens", ["day"])
    op.create_table(
        "listen_marks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.UniqueConstraint("day", "digest"),
    )


def downgrade() -> None:
    op.drop_table("listen_marks")
    op.drop_index("ix_listens_day", table_name="listens")
    op.drop_table("listens")
    op.drop_column("wards", "embed_origins")
    op.drop_index("ix_as_run_bulletin_aired", table_name="as_run")
    op.drop_column("bulletins", "public")
