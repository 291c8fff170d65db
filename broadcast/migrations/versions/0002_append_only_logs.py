"""append-only as-run and audit logs

The as-run log is what the ward reports upward and the audit log is the
record of who did what: the database itself refuses to delete either, and
refuses to rewrite an audit row, whatever the application or a user with
database access tries.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_UP = [
    """CREATE TRIGGER as_run_no_delete BEFORE DELETE ON as_run
       BEGIN SELECT RAISE(ABORT, 'as_run rows are never deleted'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS as_run_no_delete",
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
    "DROP TRIGGER IF EXISTS audit_log_no_update",
]
PG_UP = [
    """CREATE OR REPLACE FUNCTION loaphuong_refuse_change() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION '% on % is not allowed: this log is append-only', TG_OP, TG_TABLE_NAME;
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER as_run_no_delete BEFORE DELETE ON as_run
       FOR EACH ROW EXECUTE FUNCTION loaphuong_refuse_change()""",
    """CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION loaphuong_refuse_change()""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS as_run_no_delete ON as_run",
    "DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log",
    "DROP FUNCTION IF EXISTS loaphuong_refuse_change()",
]


def _run(statements):
    for sql in statements:
        op.execute(sql)


def upgrade() -> None:
    _run(PG_UP if op.get_bind().dialect.name == "postgresql" else SQLITE_UP)


def downgrade() -> None:
    _run(PG_DOWN if op.get_bind().dialect.name == "postgresql" else SQLITE_DOWN)
