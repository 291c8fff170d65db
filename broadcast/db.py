"""Engine and sessions.

SQLite is the embedded default and runs in WAL mode with a busy timeout,
because the web server and the scheduler write at the same time.  PostgreSQL
is the scale-out database; the same code and migrations serve both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import create_engine, event, func, or_, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .errors import ConfigError

SQLITE_BUSY_TIMEOUT_MS = 15_000
UNICODE_LOWER = "lp_lower"


def _sqlite_pragmas(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
    # SQLite's lower() and LIKE fold ASCII only ("TIÊM" would not find "Tiêm"); searches use this instead.
    dbapi_conn.create_function(UNICODE_LOWER, 1, _lower, deterministic=True)


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def text_contains(session, columns, text: str):
    """SQL: any of ``columns`` contains ``text``, case folded with Unicode rules on every database and with
    ``%``, ``_`` and ``\\`` taken literally (the bulletin search and the public page's search)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(*(unicode_lower(session, column).like(f"%{escaped}%", escape="\\") for column in columns))


def unicode_lower(session_or_engine, column):
    """SQL lowering ``column`` with Unicode rules on every database (PostgreSQL's lower() already does)."""
    bind = session_or_engine.get_bind() if hasattr(session_or_engine, "get_bind") else session_or_engine
    return getattr(func, UNICODE_LOWER)(column) if bind.dialect.name == "sqlite" else func.lower(column)


def _normalise_url(url: str) -> str:
    # "postgresql://" alone would pick psycopg2, which we do not ship.
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine or raise one clear ConfigError naming the URL."""
    url = _normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"BROADCAST_DATABASE_URL={url!r} không phải địa chỉ cơ sở dữ liệu hợp lệ: "
            "dùng dạng sqlite:///duong/dan.db hoặc postgresql://user@host:5432/ten_csdl."
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(f"Cơ sở dữ liệu {parsed.get_backend_name()!r} chưa được hỗ trợ: dùng SQLite hoặc PostgreSQL.")
    try:
        if parsed.get_backend_name() == "sqlite":
            connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
            engine = create_engine(url, connect_args=connect_args, **kwargs)
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            kwargs.setdefault("pool_pre_ping", True)
            kwargs.setdefault("pool_size", 10)
            kwargs.setdefault("max_overflow", 20)
            engine = create_engine(url, **kwargs)
    except (NoSuchModuleError, ImportError) as exc:
        raise ConfigError(f"Thiếu trình điều khiển cho {parsed.drivername}: {exc}.") from None
    return engine


def check_connection(engine: Engine) -> None:
    """Open one connection now, so a wrong URL fails at start-up with one sentence."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise ConfigError(
            f"Không kết nối được cơ sở dữ liệu {engine.url.render_as_string(hide_password=True)} "
            f"({reason}): kiểm tra BROADCAST_DATABASE_URL và máy chủ cơ sở dữ liệu."
        ) from None
    except SQLAlchemyError as exc:
        raise ConfigError(f"Lỗi cơ sở dữ liệu khi kết nối: {exc.__class__.__name__}.") from None


@lru_cache(maxsize=16)
def engine_for(url: str) -> Engine:
    """One engine (and pool) per URL per process."""
    return make_engine(url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    from . import tenancy  # noqa: F401  (its session hooks: ward scope, a ward joins the province)

    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
