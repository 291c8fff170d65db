"""Schema migrations (Alembic) driven from code, and the reference data."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .domain.categories import CATEGORIES
from .domain.models import Category
from .errors import ConfigError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:  # a developer error, caught by the test suite
        raise RuntimeError(f"migrations have {len(heads)} heads: {heads}")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` in one transaction per migration."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    with Session(engine) as session:
        ensure_reference_data(session)
        session.commit()


def check_schema_current(engine: Engine) -> None:
    """Refuse to run on a database at an older (or unknown) migration."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None:
        raise ConfigError("Cơ sở dữ liệu chưa được khởi tạo: chạy `broadcast db upgrade` (hoặc `make run`) trước.")
    known = {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current not in known:
        raise ConfigError(f"Cơ sở dữ liệu ở phiên bản {current}, mới hơn phần mềm này ({head}): hãy cập nhật phần mềm.")
    raise ConfigError(f"Cơ sở dữ liệu đang ở phiên bản cũ ({current}, cần {head}): chạy `broadcast db upgrade`.")


def ensure_reference_data(session: Session) -> None:
    """Insert or refresh the stable category codes (names may be reworded)."""
    existing = {c.code: c for c in session.scalars(select(Category))}
    for order, cat in enumerate(CATEGORIES):
        row = existing.get(cat.code) or Category(code=cat.code)
        row.name, row.is_cchc, row.colour, row.sort_order = cat.name, cat.is_cchc, cat.colour, order
        session.add(row)
