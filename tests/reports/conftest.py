"""A small fixed as-run log with hand-computed figures (station timezone Asia/Ho_Chi_Minh, UTC+7).

October 2025, all stations (rows marked * count):
  * 01/10 06:00 local (30/09 23:00 UTC) MOLAO sang  cchc-tthc   VP   bulletin   aired        120 s
  * 01/10 06:02                          MOLAO sang  cchc-cqs    CA   -          interrupted   60 s of 90
    01/10 06:05                          MOLAO sang  y-te        YTE  -          failed
  * 15/10 17:00                         MOLAO chieu thien-tai   DCXD -          aired, MANUAL, no aired_ms, 180 s plan
    15/10 20:00                          MOLAO toi   cchc-tthc   VP   -          missed       (a missed session)
  * 31/10 23:30 local (31/10 16:30 UTC)  MOLAO khuya cchc-tthc   VP   bulletin   aired        120 s
  * 10/10 06:00                          XA2   sang  van-hoa     MTTQ -          aired        240 s
Outside October: 30/09 20:00 (cchc-tthc, 60 s; September), 01/11 06:00 local = 31/10 23:00 UTC (300 s; November),
01/07 06:00 local = 30/06 23:00 UTC (cchc-chung 100 s; quarter III).

October: 5 airings, 720 s (12.0 min); CCHC 3 airings, 300 s (5.0 min); 1 distinct bulletin; sessions aired 4
(MOLAO 3, XA2 1), missed 1; CCHC sessions 2; manual 1 (180 s); interrupted 1; not aired 2.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from broadcast.domain.models import AsRun, Bulletin, Station, Ward

LOCAL = timezone(timedelta(hours=7))


def local(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL)


@pytest.fixture
def asrun_log(runtime, demo):
    from broadcast.reports.plans import add_target, create_plan

    with runtime.unit() as s:
        molao = s.scalar(select(Station).where(Station.code == "MOLAO"))
        ward = s.scalar(select(Ward))
        xa2 = Station(ward=ward, code="XA2", name="Đài truyền thanh cụm 2")
        s.add(xa2)
        s.flush()
        b1 = s.scalar(select(Bulletin).where(Bulletin.title.like("Nộp hồ sơ%")))

        def row(
            station,
            at,
            session_code,
            cat,
            dept,
            status,
            aired_ms,
            planned_ms=None,
            source="playout",
            bulletin=None,
            title=None,
        ):
            s.add(
                AsRun(
                    station_id=station.id,
                    air_date=at.date(),
                    session_code=session_code,
                    category_code=cat,
                    department_code=dept,
                    status=status,
                    aired_ms=aired_ms,
                    planned_ms=planned_ms or aired_ms,
                    source=source,
                    bulletin_id=bulletin.id if bulletin else None,
                    title=title or (bulletin.title if bulletin else f"{cat} {at:%d/%m %H:%M}"),
                    actual_start=at.astimezone(UTC),
                    kind="bulletin",
                )
            )

        row(molao, local(2025, 9, 30, 20), "toi", "cchc-tthc", "VP", "aired", 60_000)
        row(molao, local(2025, 10, 1, 6), "sang", "cchc-tthc", "VP", "aired", 120_000, bulletin=b1)
        row(molao, local(2025, 10, 1, 6, 2), "sang", "cchc-chinh-quyen-so", "CA", "interrupted", 60_000, 90_000)
        row(molao, local(2025, 10, 1, 6, 5), "sang", "y-te", "YTE", "failed", 0, 60_000)
        row(molao, local(2025, 10, 15, 17), "chieu", "thien-tai", "DCXD", "aired", 0, 180_000, source="manual")
        row(molao, local(2025, 10, 15, 20), "toi", "cchc-tthc", "VP", "missed", 0, 90_000)
        row(molao, local(2025, 10, 31, 23, 30), "khuya", "cchc-tthc", "VP", "aired", 120_000, bulletin=b1)
        row(xa2, local(2025, 10, 10, 6), "sang", "van-hoa", "MTTQ", "aired", 240_000)
        row(molao, local(2025, 11, 1, 6), "sang", "thoi-su", "VP", "aired", 300_000)
        row(molao, local(2025, 7, 1, 6), "sang", "cchc-chung", "VP", "aired", 100_000)
        plan = create_plan(
            s,
            {
                "title": "Kế hoạch tuyên truyền CCHC năm 2025",
                "number": "28/KH-UBND",
                "issued_on": "2025-02-10",
                "period_start": "2025-01-01",
                "period_end": "2025-12-31",
                "report_due_day": "10",
            },
        )
        for metric, code, value in (
            ("minutes", "cchc", 60),
            ("airings", "cchc", 2),
            ("column_sessions", "cchc", 2),
            ("minutes", "cchc-tthc", 3),
            ("column_sessions", "cchc-tthc", 1),
        ):
            add_target(s, plan, {"metric": metric, "category_code": code, "value": value, "per": "month"})
        b1_id = b1.id
    return {"bulletin_id": b1_id}
