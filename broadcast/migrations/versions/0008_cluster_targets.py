"""cluster targeting and the agents' outbox health

``bulletin_clusters``: the clusters (residential groups) a bulletin is meant for; none = the whole
station. ``programme_items.clusters`` and ``as_run.clusters`` carry those cluster codes (JSON list,
NULL = whole station) so an agent airs only what its clusters should hear and a report can be
filtered by cluster; on ``as_run`` they are copied at air time like the title and category.
``devices`` gains the size and age of its outbox from the last heartbeat (the health page's
"old outbox" alert). All by plain CREATE TABLE / ADD COLUMN: no batch copy of ``as_run``, which on
SQLite would drop the append-only triggers.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

import broadcast.domain.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UTC = broadcast.domain.types.UTCDateTime(timezone=True)
JSON = broadcast.domain.types.JSONText()


def upgrade() -> None:
    op.create_table(
        "bulletin_clusters",
        sa.Column("bulletin_id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["bulletin_id"], ["bulletins.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["cluster_id"], ["clusters.id"]),
        sa.PrimaryKeyConstraint("bulletin_id", "cluster_id"),
    )
    op.add_column("programme_items", sa.Column("clusters", JSON, nullable=True))
    op.add_column("as_run", sa.Column("clusters", JSON, nullable=True))
    op.add_column("devices", sa.Column("outbox_pending", sa.Integer(), nullable=True))
    op.add_column("devices", sa.Column("outbox_oldest", UTC, nullable=True))


def downgrade() -> None:
    # DROP COLUMN without a batch copy (SQLite >= 3.35), keeping the append-only triggers.
    op.drop_column("devices", "outbox_oldest")
    op.drop_column("devices", "outbox_pending")
    op.drop_column("as_run", "clusters")
    op.drop_column("programme_items", "clusters")
    op.drop_table("bulletin_clusters")
