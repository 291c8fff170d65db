"""date overrides: where each one came from

``date_overrides.source`` is ``file`` (a station TOML file's [[holiday]] /
[[extra]], replaced whenever that file is reloaded) or ``web`` (added by the
operator in the web admin, kept across reloads).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): existing rows came from station files.
    op.add_column("date_overrides", sa.Column("source", sa.String(20), nullable=False, server_default="file"))


def downgrade() -> None:
    with op.batch_alter_table("date_overrides") as batch:
        batch.drop_column("source")
