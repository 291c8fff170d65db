"""characters sent to paid voices, per provider and day

``tts_usage`` counts the characters (and requests) each paid provider (FPT.AI, Viettel AI, Zalo AI)
read for the station, one row per provider and local day; monthly caps live in ``settings``
(``speech.cap.<engine>``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tts_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engine", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("chars", sa.BigInteger(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("engine", "day", name="uq_tts_usage_engine_day"),
    )


def downgrade() -> None:
    op.drop_table("tts_usage")
