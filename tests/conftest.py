"""Shared fixtures.

The suite runs on SQLite by default and on PostgreSQL when
``BROADCAST_TEST_DATABASE_URL`` names a server: each pytest run then creates
its own database there (so parallel runs never meet) and drops it at the end.
Every test gets an empty, migrated database: a copy of a migrated template
file on SQLite, truncated tables on PostgreSQL.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from broadcast.config import PROJECT_ROOT, Settings
from broadcast.db import make_engine
from broadcast.migrate import ensure_reference_data, upgrade
from broadcast.runtime import Runtime

# Fixtures any test package may use: a real Icecast and an upstream tone feeding it.
pytest_plugins = ["tests.icecast", "tests.fileserver", "tests.published"]

PG_BASE_URL = os.environ.get("BROADCAST_TEST_DATABASE_URL", "").strip()


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, leave out the tests marked ``once`` (and the browser tests): they exercise processes,
    sockets, audio or a browser, not SQL, and already ran on SQLite (the suite's time stays bounded)."""
    if not PG_BASE_URL:
        return
    skip = pytest.mark.skip(reason="chạy một lần trên SQLite (không phụ thuộc cơ sở dữ liệu)")
    for item in items:
        if item.get_closest_marker("once") or item.get_closest_marker("browser"):
            item.add_marker(skip)


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + PG_BASE_URL if PG_BASE_URL else 'SQLite'}"


def _pg_url(database: str) -> str:
    url = make_url(
        PG_BASE_URL.replace("postgresql://", "postgresql+psycopg://", 1)
        if PG_BASE_URL.startswith("postgresql://")
        else PG_BASE_URL
    )
    return url.set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Argon2 at its lowest cost: the suite hashes thousands of demo passwords.

    Still argon2id with the same code path; production keeps argon2-cffi's
    defaults (64 MiB, 3 passes)."""
    from argon2 import PasswordHasher

    import broadcast.security as security

    original = security._hasher
    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    security._hasher = original


@pytest.fixture(scope="session")
def db_template(tmp_path_factory):
    """A migrated empty database for the run: a file path (SQLite) or a URL (PostgreSQL)."""
    if PG_BASE_URL:
        name = f"lp_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(_pg_url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = _pg_url(name)
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        yield path


def _truncate_all(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
        if tables:
            conn.execute(text("TRUNCATE TABLE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        ensure_reference_data(session)
        session.commit()
    engine.dispose()


@pytest.fixture
def database_url(db_template, tmp_path) -> str:
    if PG_BASE_URL:
        _truncate_all(db_template)
        return db_template
    target = tmp_path / "test.db"
    shutil.copyfile(db_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    return Settings(database_url=database_url, data_dir=data_dir, secret_key="test-secret-key", tts_engines=("espeak",))


@pytest.fixture
def runtime(settings):
    engine = make_engine(settings.database_url)
    yield Runtime(settings, engine)
    engine.dispose()


@pytest.fixture
def session(runtime):
    s = runtime.session()
    yield s
    s.rollback()
    s.close()


@pytest.fixture
def demo(runtime):
    """The demo ward loaded and committed; returns load_demo's summary."""
    from broadcast.demo import DEMO_PASSWORD, load_demo

    with runtime.unit() as s:
        info = load_demo(s, runtime.settings)
    info["password"] = DEMO_PASSWORD
    return info


@pytest.fixture
def cli_env(settings) -> dict:
    """Environment for running the `broadcast` CLI against the test database."""
    return {
        "BROADCAST_DATABASE_URL": settings.database_url,
        "BROADCAST_DATA_DIR": str(settings.data_dir),
        "BROADCAST_SECRET_KEY": settings.secret_key,
        "BROADCAST_TTS_ENGINES": "espeak",
    }


@pytest.fixture
def app(runtime):
    from web import create_app

    # Rate limits are off here (many logins from one address); tests of the
    # limit itself build their own app with it on.
    return create_app(runtime, config={"TESTING": True, "RATELIMIT_ENABLED": False})


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client, username: str, password: str = "loaphuong2025"):
    """Log in through the real form (CSRF and all); returns the response."""
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


@pytest.fixture
def login_as(client, demo):
    def _login(username: str):
        response = login(client, username, demo["password"])
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login


@pytest.fixture
def api_token(runtime, demo):
    """api_token("vanhoa") -> a bearer token for that demo user."""
    from sqlalchemy import select

    from broadcast.domain.models import User
    from broadcast.security import create_token

    def _token(username: str) -> str:
        with runtime.unit() as s:
            user = s.scalar(select(User).where(User.username == username))
            return create_token(s, user, "test")

    return _token


@pytest.fixture
def old_schema(runtime):
    """The test database marked as one migration behind, put back afterwards
    (on PostgreSQL the database is shared by the whole run)."""
    from broadcast.migrate import head_revision

    with runtime.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    yield runtime
    with runtime.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head_revision()})


@pytest.fixture
def project_root() -> Path:
    return PROJECT_ROOT
