"""Upgrade of a one-ward installation to revision 0014: it becomes a one-ward province, nothing lost.

The database is built at 0013 with Alembic, filled with raw SQL as an installation of that version held it,
then upgraded to head, on the suite's database kind (a fresh SQLite file, or a fresh PostgreSQL database
beside the run's own, dropped at the end).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from alembic import command
from sqlalchemy import bindparam, create_engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from broadcast import tenancy
from broadcast.db import make_engine
from broadcast.domain.models import AuditLog, LexiconEntry, LiveSession, Province, User, Ward
from broadcast.domain.types import JSONText, UTCDateTime
from broadcast.migrate import alembic_config, current_revision, head_revision, upgrade
from tests.conftest import PG_BASE_URL, _pg_url

AT = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
AUDIT = [
    # (user, action, object_type, object_id, detail)
    ("admin", "user.create", "users", "2", {"username": "vanhanh"}),
    ("vanhanh", "bulletin.approve", "bulletins", "1", {"note": "Duyệt tin"}),
    ("xem", "login", None, None, None),
    (None, "scheduler.missed", "stations", "1", {"session": "sang"}),
]
USERS = [
    ("admin", "admin", None),
    ("vanhanh", "operator", "VHTT"),
    ("vanhoa", "submitter", "VHTT"),
    ("xem", "viewer", None),
]


@pytest.fixture
def fresh_url(tmp_path):
    """An empty database of the suite's kind, never the run's shared one."""
    if not PG_BASE_URL:
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    name = f"lp_mig14_{uuid.uuid4().hex[:10]}"
    admin = create_engine(_pg_url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield _pg_url(name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _insert(conn, table: str, **values) -> int:
    """One row by raw SQL (the 0013 columns), its id returned; datetimes and JSON bound with the app's types."""
    params = []
    for key, value in values.items():
        if isinstance(value, datetime):
            params.append(bindparam(key, value, type_=UTCDateTime()))
        elif isinstance(value, dict | list):
            params.append(bindparam(key, value, type_=JSONText()))
        else:
            params.append(bindparam(key, value))
    cols = ", ".join(values)
    sql = text(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(':' + k for k in values)}) RETURNING id")
    return conn.execute(sql.bindparams(*params)).scalar_one()


def _old_installation(conn) -> dict:
    ids = {}
    ward = _insert(
        conn, "wards", code="MOLAO", name="Phường Mộ Lao", province="Hà Nội", district="Hà Đông", created_at=AT
    )
    ids["ward"] = ward
    ids["station"] = _insert(
        conn, "stations", ward_id=ward, code="MOLAO", name="Đài Mộ Lao", sink="null", enabled=True, created_at=AT
    )
    depts = {code: _insert(conn, "departments", ward_id=ward, code=code, name=code) for code in ("VHTT", "VP")}
    ids["users"] = {}
    for username, role, dept in USERS:
        ids["users"][username] = _insert(
            conn,
            "users",
            username=username,
            full_name=username.title(),
            password_hash="x",
            role=role,
            department_id=depts.get(dept),
            active=True,
            created_at=AT,
        )
    cat = _insert(conn, "categories", code="cchc-tthc", name="TTHC", is_cchc=True, colour="#000000", sort_order=0)
    _insert(
        conn,
        "bulletins",
        title="Tin cũ",
        body="Nội dung",
        category_id=cat,
        department_id=depts["VHTT"],
        author_id=ids["users"]["vanhoa"],
        priority="normal",
        status="approved",
        valid_from=date(2026, 3, 1),
        valid_until=date(2026, 3, 31),
        airings_wanted=1,
        airings_left=1,
        all_stations=True,
        version=1,
        created_at=AT,
        updated_at=AT,
    )
    for term, spoken in (("UBND", "ủy ban nhân dân"), ("TDP", "tổ dân phố")):
        _insert(conn, "lexicon_entries", term=term, spoken=spoken, updated_at=AT)
    ids["live"] = _insert(
        conn,
        "live_sessions",
        user_id=ids["users"]["vanhanh"],
        station_ids=[ids["station"]],
        status="ended",
        media_path="/tmp/x.webm",
        bytes_received=0,
        chunks=0,
        created_at=AT,
    )
    for user, action, otype, oid, detail in AUDIT:
        _insert(
            conn,
            "audit_log",
            at=AT,
            user_id=ids["users"].get(user),
            username=user,
            action=action,
            object_type=otype,
            object_id=oid,
            detail=detail,
        )
    return ids


def _counts(engine, tables) -> dict:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in tables}


def _audit_rows(engine) -> list:
    cols = "id, at, user_id, username, action, object_type, object_id, detail, ip"
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(f"SELECT {cols} FROM audit_log ORDER BY id"))]


@pytest.fixture
def upgraded(fresh_url):
    """(engine, ids, counts and audit rows before the upgrade) of an installation upgraded 0013 -> head."""
    engine = make_engine(fresh_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0013")
    assert current_revision(engine) == "0013"
    with engine.begin() as conn:
        ids = _old_installation(conn)
    tables = ["wards", "stations", "departments", "users", "bulletins", "lexicon_entries", "live_sessions"]
    before = _counts(engine, tables + ["audit_log"]), _audit_rows(engine)
    upgrade(engine)
    yield engine, ids, before
    engine.dispose()


def test_the_installation_becomes_a_one_ward_province(upgraded):
    engine, ids, (counts, _audit) = upgraded
    assert current_revision(engine) == head_revision()
    assert _counts(engine, counts) == counts  # nothing lost
    with Session(engine) as s:
        (province,) = s.scalars(select(Province)).all()
        assert (province.code, province.name) == ("HANOI", "Hà Nội")
        ward = s.get(Ward, ids["ward"])
        assert ward.province_id == province.id and ward.province == "Hà Nội"
        users = s.scalars(select(User)).all()
        assert {u.username: u.ward_id for u in users} == {name: ward.id for name, _, _ in USERS}
        assert s.get(LiveSession, ids["live"]).ward_id == ward.id
        lexicon = {e.term: (e.spoken, e.ward_id) for e in s.scalars(select(LexiconEntry))}
        assert lexicon == {"UBND": ("ủy ban nhân dân", None), "TDP": ("tổ dân phố", None)}


def test_the_audit_log_keeps_every_row_and_value_and_gains_the_ward(upgraded):
    engine, ids, (_counts_before, audit) = upgraded
    assert _audit_rows(engine) == audit
    with engine.connect() as conn:
        wards = conn.execute(text("SELECT DISTINCT ward_id FROM audit_log")).scalars().all()
        assert wards == [ids["ward"]]  # one ward: every old row was its business
        with pytest.raises(DBAPIError):  # and the log is append-only again
            conn.execute(text("UPDATE audit_log SET action = 'x'"))


def test_the_wards_admin_sees_the_old_audit_rows_of_its_users(upgraded):
    engine, _ids, _before = upgraded
    with Session(engine) as s:
        tenancy.apply(s, s.scalar(select(User).where(User.username == "admin")))
        seen = {r.action for r in s.scalars(select(AuditLog))}
    assert seen >= {action for user, action, *_ in AUDIT if user is not None}


def test_the_wards_admin_sees_every_old_audit_row(upgraded):
    """In a one-ward installation every old row was the ward's, including the scheduler's and the CLI's."""
    engine, _ids, _before = upgraded
    with Session(engine) as s:
        tenancy.apply(s, s.scalar(select(User).where(User.username == "admin")))
        seen = {r.action for r in s.scalars(select(AuditLog))}
    assert seen == {action for _u, action, *_ in AUDIT}


def test_the_upgraded_installation_works_as_a_ward(upgraded):
    """A new entry per ward beside the old province-wide term; a second ward joins the same province."""
    engine, ids, _before = upgraded
    with Session(engine) as s:
        s.add(LexiconEntry(ward_id=ids["ward"], term="UBND", spoken="ủy ban phường", updated_at=AT))
        s.add(Ward(code="XAMOI", name="Xã Mới", province="Hà Nội"))
        s.commit()
        assert {w.province_id for w in s.scalars(select(Ward))} == {s.scalar(select(Province.id))}
        assert len(s.scalars(select(LexiconEntry).where(LexiconEntry.term == "UBND")).all()) == 2
