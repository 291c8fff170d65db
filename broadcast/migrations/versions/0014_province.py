"""province: many wards in one installation, province users, bulletins sent down and their deliveries

An existing installation becomes a one-ward province: its wards join one province named from their
``province`` text, every user who serves a ward (through their department, or because the installation
has one ward) stays in it, and nothing else changes.  The audit rows of a one-ward installation get its
ward in the new column (no existing value changes); with several wards, old rows keep no ward and belong
to their user's ward (``broadcast.tenancy``).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

import broadcast.domain.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

JSON = broadcast.domain.types.JSONText()
UTC = broadcast.domain.types.UTCDateTime(timezone=True)
FK_COLUMNS = [
    ("wards", "province_id", "provinces"),
    ("users", "ward_id", "wards"),
    ("audit_log", "ward_id", "wards"),
    ("upstream_sources", "ward_id", "wards"),
    ("live_sessions", "ward_id", "wards"),
]


def _code_of(name: str) -> str:
    # "Hà Nội" -> "HANOI": the province code an admin may change later with `broadcast province`.
    ascii_name = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    letters = "".join(c for c in ascii_name if c.isascii() and c.isalnum()).upper()
    return letters[:40] or "TINH"


def _add_fk_column(table: str, column: str, target: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a nullable column with its REFERENCES clause in place; no table copy is needed.
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES {target}(id)")
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(f"fk_{table}_{column}", table, target, [column], ["id"])


def _create_tables() -> None:
    op.create_table(
        "provinces",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(40), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("issuer", sa.String(200), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
    )
    op.create_table(
        "ward_settings",
        sa.Column("ward_id", sa.Integer(), sa.ForeignKey("wards.id"), primary_key=True),
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", JSON, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("bulletin_id", sa.Integer(), sa.ForeignKey("bulletins.id"), nullable=False),
        sa.Column("station_id", sa.Integer(), sa.ForeignKey("stations.id"), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.UniqueConstraint("bulletin_id", "station_id"),
    )
    op.create_index("ix_deliveries_station_state", "deliveries", ["station_id", "state"])


def _departments_ward_optional() -> None:
    """departments.ward_id loses NOT NULL (a province department has no ward)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.alter_column("departments", "ward_id", existing_type=sa.Integer(), nullable=True)
        return
    # Copying the table (Alembic's batch mode) would drop the table users and bulletins refer to, which SQLite
    # refuses while foreign keys are on, and they cannot be turned off inside the migration's transaction.
    # Dropping a NOT NULL does not touch the stored rows, so SQLite's documented way applies: edit the
    # table's declaration in the schema and bump the schema version (sqlite.org/lang_altertable.html, §7).
    old = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'departments'").scalar()
    new = old.replace("ward_id INTEGER NOT NULL", "ward_id INTEGER", 1)
    if new == old:
        raise RuntimeError("0014: departments.ward_id is not declared as 0001 made it; upgrade stopped.")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.execute(
        sa.text("UPDATE sqlite_master SET sql = :new WHERE type = 'table' AND name = 'departments'"), {"new": new}
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def _lexicon_per_ward() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # The term's UNIQUE was declared inline: SQLite drops it only by copying the table.
        op.create_table(
            "lexicon_entries_new",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("ward_id", sa.Integer(), sa.ForeignKey("wards.id"), nullable=True),
            sa.Column("term", sa.String(100), nullable=False),
            sa.Column("spoken", sa.String(300), nullable=False),
            sa.Column("note", sa.Text(), nullable=True),
            sa.Column("updated_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
            sa.Column("updated_at", UTC, nullable=False),
        )
        op.execute(
            "INSERT INTO lexicon_entries_new (id, term, spoken, note, updated_by_id, updated_at) "
            "SELECT id, term, spoken, note, updated_by_id, updated_at FROM lexicon_entries"
        )
        op.drop_table("lexicon_entries")
        op.rename_table("lexicon_entries_new", "lexicon_entries")
    else:
        op.drop_constraint("lexicon_entries_term_key", "lexicon_entries", type_="unique")
        _add_fk_column("lexicon_entries", "ward_id", "wards")
    op.create_index("uq_lexicon_ward_term", "lexicon_entries", ["ward_id", "term"], unique=True)
    op.create_index(
        "uq_lexicon_province_term",
        "lexicon_entries",
        ["term"],
        unique=True,
        sqlite_where=sa.text("ward_id IS NULL"),
        postgresql_where=sa.text("ward_id IS NULL"),
    )


def _backfill() -> None:
    bind = op.get_bind()
    wards = bind.execute(sa.text("SELECT id, province FROM wards ORDER BY id")).all()
    if not wards:
        return  # a fresh installation: the first ward saved creates the province (broadcast.tenancy)
    name = next((p for _, p in wards if p), None) or "Tỉnh"
    bind.execute(
        sa.text("INSERT INTO provinces (code, name, created_at) VALUES (:code, :name, CURRENT_TIMESTAMP)"),
        {"code": _code_of(name), "name": name},
    )
    province_id = bind.execute(sa.text("SELECT id FROM provinces")).scalar_one()
    bind.execute(sa.text("UPDATE wards SET province_id = :p"), {"p": province_id})
    # A user serves their department's ward; with one ward, every user serves it.
    bind.execute(
        sa.text(
            "UPDATE users SET ward_id = (SELECT departments.ward_id FROM departments "
            "WHERE departments.id = users.department_id) WHERE department_id IS NOT NULL"
        )
    )
    if len(wards) == 1:
        bind.execute(sa.text("UPDATE users SET ward_id = :w WHERE ward_id IS NULL"), {"w": wards[0][0]})
        bind.execute(sa.text("UPDATE live_sessions SET ward_id = :w"), {"w": wards[0][0]})
        _audit_rows_to(wards[0][0])


def _audit_rows_to(ward_id: int) -> None:
    """Every audit row of a one-ward installation concerns its ward: the new column is filled in, with the
    append-only trigger lifted for this one statement and put back exactly as 0002 made it.  No row's
    existing values change; rows written by no user (the scheduler, the CLI) stay visible to the ward."""
    bind = op.get_bind()
    fill = sa.text("UPDATE audit_log SET ward_id = :w WHERE ward_id IS NULL")
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        bind.execute(fill, {"w": ward_id})
        op.execute(
            """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"""
        )
    else:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
        bind.execute(fill, {"w": ward_id})
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change")


def upgrade() -> None:
    _create_tables()
    for table, column, target in FK_COLUMNS:
        _add_fk_column(table, column, target)
    op.create_index("ix_users_ward_id", "users", ["ward_id"])
    op.create_index("ix_audit_ward_at", "audit_log", ["ward_id", "at"])
    _departments_ward_optional()
    _lexicon_per_ward()
    _backfill()


def downgrade() -> None:
    raise NotImplementedError("0014 is not reversible: restore the backup taken before the upgrade.")
