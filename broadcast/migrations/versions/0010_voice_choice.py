"""a voice per station, overridable per bulletin

``stations.voice`` and ``bulletins.voice``: a JSON object ``{"engine", "voice", "speed"}`` (NULL: the
installation's engine order and voice). A bulletin's choice wins over its station's.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

import broadcast.domain.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

JSON = broadcast.domain.types.JSONText()


def upgrade() -> None:
    op.add_column("stations", sa.Column("voice", JSON, nullable=True))
    op.add_column("bulletins", sa.Column("voice", JSON, nullable=True))


def downgrade() -> None:
    op.drop_column("bulletins", "voice")
    op.drop_column("stations", "voice")
