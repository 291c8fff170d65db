"""The province benchmark's data: wards built alike, 10 M as-run rows made on the server, a bulletin sent to
every station with its deliveries.  Every ward is built by ``build_ward``, so ward W001 is the same whether
it is alone in its database or one of 150 (``province.ward_page_queries`` compares the two)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

WARDS = 150
STATIONS_PER_WARD = 2
STATIONS = WARDS * STATIONS_PER_WARD
USERS_PER_WARD = 20
USERS = WARDS * USERS_PER_WARD
QUARTER = "2026-Q3"
Q_START, Q_END = date(2026, 7, 1), date(2026, 9, 30)
SESSIONS = (("sang", 5), ("trua", 11), ("chieu", 17), ("toi", 20))
PER_SESSION = 91  # 300 stations × 92 days × 4 sessions × 91 items = 10,046,400 rows
ROWS = STATIONS * ((Q_END - Q_START).days + 1) * len(SESSIONS) * PER_SESSION
BULLETINS_PER_WARD = 4
BOARD_BULLETIN_TITLE = "Thông báo của tỉnh gửi mọi đài (bench)"
# The revision before the report's day rollups (migration 0015): the history is loaded there.
BEFORE_ROLLUPS = "0014"
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ROLES = ("operator",) * 2 + ("approver",) * 2 + ("submitter",) * 12 + ("viewer",) * 3 + ("admin",)

AS_RUN_SQL = """
WITH wb AS (
    SELECT bb.id, bb.title, c.code AS category_code, dp.code AS department_code, dp.ward_id,
           row_number() OVER (PARTITION BY dp.ward_id ORDER BY bb.id) - 1 AS rn
    FROM bulletins bb JOIN categories c ON c.id = bb.category_id JOIN departments dp ON dp.id = bb.department_id
    WHERE dp.ward_id IS NOT NULL
)
INSERT INTO as_run (station_id, session_code, air_date, position, kind, bulletin_id, title, category_code,
                    department_code, scheduled_start, actual_start, planned_ms, aired_ms, status, source, created_at)
SELECT s.id, sess.code, d::date, p.pos,
       CASE WHEN wb.id IS NULL THEN 'filler' ELSE 'bulletin' END,
       wb.id, COALESCE(wb.title, 'Nhạc hiệu'), wb.category_code, wb.department_code,
       (d + make_interval(hours => sess.h, secs => p.pos * 20)) AT TIME ZONE 'Asia/Ho_Chi_Minh',
       (d + make_interval(hours => sess.h, secs => p.pos * 20)) AT TIME ZONE 'Asia/Ho_Chi_Minh',
       (30 + (p.pos * 37 + s.id) % 270) * 1000,
       CASE WHEN r.n < 90 THEN (30 + (p.pos * 37 + s.id) % 270) * 1000
            WHEN r.n < 94 THEN (15 + (p.pos * 37 + s.id) % 135) * 1000 ELSE 0 END,
       CASE WHEN r.n < 90 THEN 'aired' WHEN r.n < 94 THEN 'interrupted' WHEN r.n < 97 THEN 'missed'
            WHEN r.n < 99 THEN 'failed' ELSE 'skipped' END,
       'playout', now()
FROM stations s
CROSS JOIN generate_series(CAST(:start AS timestamp), CAST(:end AS timestamp), interval '1 day') AS d
CROSS JOIN (VALUES ('sang', 5), ('trua', 11), ('chieu', 17), ('toi', 20)) AS sess(code, h)
CROSS JOIN generate_series(0, :per_session - 1) AS p(pos)
CROSS JOIN LATERAL (SELECT (s.id * 7 + p.pos * 13 + CAST(extract(doy FROM d) AS integer)) % 100 AS n) AS r
LEFT JOIN wb ON wb.ward_id = s.ward_id AND wb.rn = (p.pos + s.id) % :per_ward AND (p.pos * 11 + s.id) % 20 >= 3
"""


def _admin_engine():
    from sqlalchemy import create_engine

    return create_engine(
        PG_URL.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
    )


def _name(kind: str) -> str:
    if kind == "province":  # kept between runs (generating 10 M rows takes minutes), upgraded on use
        return f"lp_bench_province_{ROWS}"
    return f"lp_bench_{kind.replace('-', '_')}_{uuid.uuid4().hex[:8]}"


def drop_database(kind: str) -> None:
    from sqlalchemy import text

    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{_name(kind)}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def database(kind: str, *, wards: int) -> Iterator[tuple[str, str]]:
    """(url, "cached" | "generated in N s") of a database with ``wards`` wards; temporary ones are dropped."""
    import time as clock

    from sqlalchemy import text

    admin = _admin_engine()
    name = _name(kind)
    keep = kind == "province"
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists and not _complete(admin, name):
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            exists = None
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        how = "cached"
        if exists:
            _upgrade(url)
        else:
            started = clock.perf_counter()
            _fill(url, wards, with_history=keep)
            how = f"generated in {clock.perf_counter() - started:.0f} s"
        yield url, how
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _upgrade(url: str) -> None:
    """A kept database made at an older revision is upgraded as an installation would be."""
    from broadcast.db import make_engine
    from broadcast.migrate import upgrade

    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def _complete(admin, name: str) -> bool:
    """A kept database counts only once its last step (the ANALYZE marker) finished."""
    from sqlalchemy import create_engine, text

    engine = create_engine(admin.url.set(database=name))
    try:
        with engine.connect() as conn:
            return bool(conn.scalar(text("SELECT value FROM settings WHERE key = 'bench_complete'")))
    except Exception:
        return False
    finally:
        engine.dispose()


def _fill(url: str, wards: int, *, with_history: bool) -> None:
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from broadcast.db import make_engine
    from broadcast.domain.models import Setting
    from broadcast.migrate import ensure_reference_data, upgrade

    engine = make_engine(url)
    try:
        # The history is made before the report's day rollups, which the upgrade then fills (row by row
        # through their triggers the 10 M rows would take far longer).
        upgrade(engine, BEFORE_ROLLUPS if with_history else "head")
        with Session(engine) as session:
            ensure_reference_data(session)
            province_user = _province(session)
            for index in range(1, wards + 1):
                build_ward(session, index)
            session.flush()
            _board_bulletin(session, province_user)
            session.commit()
        if with_history:
            _history(engine)
            upgrade(engine)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))  # the rollups the upgrade just filled, as autovacuum would
        with Session(engine) as session:
            session.add(Setting(key="bench_complete", value=True))
            session.commit()
    finally:
        engine.dispose()


def _province(session):
    from broadcast.domain.models import Department, Province, User
    from broadcast.security import hash_password

    province = Province(code="TINHMAU", name="Tỉnh Mẫu", issuer="ỦY BAN NHÂN DÂN TỈNH MẪU")
    dept = Department(ward_id=None, code="STTTT", name="Sở Văn hóa, Thể thao và Du lịch")
    user = User(username="tinh.bientap", password_hash=hash_password(build_ward.password), role="submitter")
    user.department = dept
    session.add_all([province, dept, user])
    session.flush()
    return user


def build_ward(session, index: int):
    """Ward W{index:03d}: two stations with today's programme, three departments, 20 users, four bulletins
    and a plan — the same for every ward."""
    from sqlalchemy import select

    from broadcast.domain.models import Bulletin, Category, Department, Plan, PlanTarget, Station, User, Ward
    from broadcast.security import hash_password

    code = f"W{index:03d}"
    ward = Ward(code=code, name=f"Phường Mẫu {index}")
    stations = [Station(ward=ward, code=f"{code}S{n}", name=f"Đài {code}-{n}") for n in (1, 2)]
    depts = [Department(ward=ward, code=f"{code}{d}", name=f"{d} {code}") for d in ("VP", "VHXH", "TP")]
    hashed = build_ward.hashes.setdefault("pw", hash_password(build_ward.password))
    names = [f"{code.lower()}.vanhanh"] + [f"{code.lower()}.u{n:02d}" for n in range(1, USERS_PER_WARD)]
    users = [
        User(username=name, password_hash=hashed, role=role, department=depts[n % 3])
        for n, (name, role) in enumerate(zip(names, ROLES, strict=True))
    ]
    session.add_all([ward, *stations, *depts])
    session.flush()
    for user in users:
        user.ward_id = ward.id
    session.add_all(users)
    categories = list(session.scalars(select(Category).order_by(Category.sort_order)))
    for n in range(BULLETINS_PER_WARD):
        session.add(
            Bulletin(
                title=f"Tin {code} số {n + 1}",
                body="Nội dung tuyên truyền cải cách hành chính.",
                category=categories[n % len(categories)],
                department=depts[n % 3],
                author=users[3],
                status="approved",
                valid_from=Q_START,
                valid_until=date.today() + timedelta(days=30),
            )
        )
    plan = Plan(ward=ward, title=f"Kế hoạch CCHC {code}", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31))
    plan.targets = [PlanTarget(metric="minutes", category_code="cchc", value=600)]
    session.add(plan)
    session.flush()
    for station in stations:
        _programme(session, station)
    return ward


build_ward.password = "bench-Mat-khau-2026"
build_ward.hashes = {}


def _programme(session, station) -> None:
    from broadcast.domain.models import Programme, ProgrammeItem

    today = date.today()
    starts = datetime.combine(today, time(5, 30), tzinfo=UTC) - timedelta(hours=7)
    programme = Programme(station=station, on_date=today, session_code="sang", starts_at=starts, max_duration_s=1800)
    programme.items = [
        ProgrammeItem(position=n, kind="filler", title=f"Mục {n + 1}", planned_start=starts, duration_ms=60_000)
        for n in range(12)
    ]
    session.add(programme)


def _board_bulletin(session, author) -> None:
    """A province bulletin sent to every station: accepted by some wards, declined by a few, aired by most."""
    from sqlalchemy import select

    from broadcast.domain.models import AsRun, Bulletin, Category, Delivery, Station

    category = session.scalars(select(Category).order_by(Category.sort_order)).first()
    bulletin = Bulletin(
        title=BOARD_BULLETIN_TITLE,
        body="Thông báo của tỉnh.",
        category=category,
        department=author.department,
        author=author,
        priority="normal",
        status="scheduled",
        valid_from=date.today(),
        valid_until=date.today() + timedelta(days=7),
        all_stations=True,
    )
    session.add(bulletin)
    session.flush()
    now = datetime.now(UTC)
    for n, station in enumerate(session.scalars(select(Station).order_by(Station.id))):
        state = "declined" if n % 30 == 0 else ("waiting" if n % 10 == 1 else "accepted")
        session.add(Delivery(bulletin_id=bulletin.id, station_id=station.id, level="normal", state=state))
        if state == "accepted" and n % 7:
            session.add(
                AsRun(
                    station_id=station.id,
                    session_code="sang",
                    air_date=date.today(),
                    position=0,
                    kind="bulletin",
                    bulletin_id=bulletin.id,
                    title=bulletin.title,
                    scheduled_start=now,
                    actual_start=now,
                    planned_ms=60_000,
                    aired_ms=60_000,
                    status="aired",
                    source="playout",
                )
            )


def _history(engine) -> None:
    """10 M as-run rows for the quarter, made by the server; the indexes are built once afterwards."""
    from sqlalchemy import text

    with engine.connect() as conn:
        indexes = conn.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'as_run' AND indexname <> 'as_run_pkey'")
        ).all()
        for name, _ in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
        conn.execute(
            text(AS_RUN_SQL),
            {"start": Q_START, "end": Q_END, "per_session": PER_SESSION, "per_ward": BULLETINS_PER_WARD},
        )
        for _, definition in indexes:
            conn.execute(text(definition))
        conn.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
