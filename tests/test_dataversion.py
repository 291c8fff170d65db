"""broadcast.dataversion: the token a page cache keys on moves with every commit, from this process or
another, and stays put while only reads happen (both databases)."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import select, text

from broadcast.dataversion import DataVersion, data_version
from broadcast.db import make_engine
from broadcast.domain.models import Category


def _add_category(runtime, code: str) -> None:
    with runtime.unit() as s:
        s.add(Category(code=code, name=f"Chuyên mục {code}", is_cchc=False))


def test_reads_leave_the_version_alone(runtime):
    version = data_version(runtime.engine)
    before = version.current()
    with runtime.unit() as s:
        s.scalars(select(Category)).all()
    with runtime.engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM bulletins")).scalar()
    assert version.current() == before


def test_a_commit_from_this_process_moves_it(runtime):
    version = data_version(runtime.engine)
    seen = {version.current()}
    for code in ("dv-a", "dv-b"):
        _add_category(runtime, code)
        now = version.current()
        assert now not in seen, "a commit must give a version never seen before"
        seen.add(now)


def test_a_commit_from_another_process_moves_it(runtime):
    version = data_version(runtime.engine)
    before = version.current()
    code = (
        "from sqlalchemy import text\n"
        "from broadcast.db import make_engine\n"
        f"engine = make_engine({runtime.settings.database_url!r})\n"
        "with engine.begin() as conn:\n"
        '    conn.execute(text("INSERT INTO categories (code, name, is_cchc, colour, sort_order) '
        "VALUES ('dv-proc', 'Từ tiến trình khác', false, '#888888', 99)\"))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=60)
    assert version.current() != before


def test_one_version_per_engine(runtime):
    assert data_version(runtime.engine) is data_version(runtime.engine)


def test_an_in_memory_database_has_no_version():
    engine = make_engine("sqlite://")
    try:
        assert DataVersion(engine).current() is None
    finally:
        engine.dispose()
