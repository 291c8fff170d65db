"""A station network's October 2025 as-run log, with hand-computed device and cluster figures.

The demo ward (MOLAO, clusters TDP01..TDP17, plus a cluster ``TD_01`` whose underscore a LIKE would take for
any character) and a second station XA2 with its own cluster TDP01.  Times are local (UTC+7).

Devices of MOLAO:
  LOA01 serves TDP01, TDP02; made 01/09; connect 30/09 10:00, disconnect 05/10 08:00, connect 05/10 10:30,
        disconnect 31/10 22:00 (never back): offline 2.5 h + 2 h = 16,200 s in October.
  LOA02 the whole station; made 20/10 12:00, connect 20/10 14:00, heard from now: offline 7,200 s.
  LOA05 serves TDP05; made 01/09, connect 01/09, last heard 10/10 06:00 (no last will came): offline from
        10/10 06:01:30 (the heartbeat timeout) to 01/11 00:00 = 1,879,110 s.  No rows.

Rows (status, seconds, the item's clusters, who aired it):
  R1  01/10 06:00 sang  aired        120  NULL           server
  R2  02/10 06:00 sang  aired         60  [TDP05]        server
  R3  03/10 06:00 sang  aired        100  NULL           LOA01
  R4  03/10 06:02 sang  interrupted   30 of 90 [TDP01]   LOA01
  R5  03/10 06:05 sang  skipped        -  [TDP05]        LOA01 (not for its clusters)
  R6  04/10 17:00 chieu missed         -  NULL           LOA01
  R7  04/10 06:00 sang  aired         50  [TDP02, TDP05] LOA01
  R8  21/10 06:00 sang  aired        200  []             LOA02
  R9  21/10 06:03 sang  aired         40  [TDP05]        LOA02
  R10 06/10 06:00 sang  aired         10  [TDX01]        server
  X1  10/10 06:00 sang  aired         70  NULL           server, station XA2

LOA01: 3 airings, 180 s, 2 sessions (03/10 and 04/10 sang), 1 missed, 1 skipped.  LOA02: 2 airings, 240 s, 1 session.
Heard in TDP01 (all stations): R1 R3 R4 R8 X1 = 5 airings, 520 s (MOLAO only: 4, 450 s), and R6 did not air.
Heard in TDP05 (MOLAO): R1 R2 R8 R9 = 4 airings, 420 s (LOA01 does not serve TDP05: R3, R7 are not heard there).
Heard in TD_01: R1 R8 = 320 s (R10 is for TDX01).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from broadcast.domain.models import AsRun, Cluster, Station
from broadcast.domain.types import utcnow
from broadcast.network.devices import add_device, record_event

LOCAL = timezone(timedelta(hours=7))


def local(m, d, hh, mm=0, ss=0, y=2025):
    return datetime(y, m, d, hh, mm, ss, tzinfo=LOCAL)


EXPECTED_OFFLINE = {"LOA01": 16_200, "LOA02": 7_200, "LOA05": 1_879_110}


def _devices(s, molao):
    molao.clusters.append(Cluster(code="TD_01", name="Cụm thử mã có gạch dưới"))
    s.flush()
    made = {}
    for code, clusters, created in (
        ("LOA01", "TDP01,TDP02", local(9, 1, 8)),
        ("LOA02", None, local(10, 20, 12)),
        ("LOA05", "TDP05", local(9, 1, 8)),
    ):
        device, _token = add_device(s, code, "MOLAO", clusters)
        device.created_at = created
        made[code] = device
    s.flush()
    for code, kind, at in (
        ("LOA01", "connect", local(9, 30, 10)),
        ("LOA01", "disconnect", local(10, 5, 8)),
        ("LOA01", "connect", local(10, 5, 10, 30)),
        ("LOA01", "reboot", local(10, 5, 10, 30)),  # not a state change
        ("LOA01", "disconnect", local(10, 31, 22)),
        ("LOA02", "connect", local(10, 20, 14)),
        ("LOA05", "connect", local(9, 1, 8)),
    ):
        record_event(s, made[code], kind, at=at)
    made["LOA01"].last_seen, made["LOA01"].online = local(10, 31, 21, 59), False
    made["LOA02"].last_seen, made["LOA02"].online = utcnow(), True
    made["LOA05"].last_seen, made["LOA05"].online = local(10, 10, 6), True
    return made


@pytest.fixture
def network_log(runtime, demo):
    with runtime.unit() as s:
        molao = s.scalar(select(Station).where(Station.code == "MOLAO"))
        xa2 = Station(ward=molao.ward, code="XA2", name="Đài truyền thanh cụm 2")
        xa2.clusters.append(Cluster(code="TDP01", name="Tổ dân phố số 1 (XA2)"))
        s.add(xa2)
        devices = _devices(s, molao)

        def row(name, station, at, session_code, status, aired_s, clusters, device=None, planned_s=None):
            s.add(
                AsRun(
                    station_id=station.id,
                    air_date=at.date(),
                    session_code=session_code,
                    category_code="cchc-tthc",
                    department_code="VP",
                    status=status,
                    aired_ms=aired_s * 1000,
                    planned_ms=(planned_s or aired_s or 60) * 1000,
                    source="agent" if device else "playout",
                    title=name,
                    actual_start=at.astimezone(UTC),
                    kind="bulletin",
                    clusters=clusters,
                    device_id=devices[device].id if device else None,
                )
            )

        row("R1", molao, local(10, 1, 6), "sang", "aired", 120, None)
        row("R2", molao, local(10, 2, 6), "sang", "aired", 60, ["TDP05"])
        row("R3", molao, local(10, 3, 6), "sang", "aired", 100, None, "LOA01")
        row("R4", molao, local(10, 3, 6, 2), "sang", "interrupted", 30, ["TDP01"], "LOA01", planned_s=90)
        row("R5", molao, local(10, 3, 6, 5), "sang", "skipped", 0, ["TDP05"], "LOA01")
        row("R6", molao, local(10, 4, 17), "chieu", "missed", 0, None, "LOA01")
        row("R7", molao, local(10, 4, 6), "sang", "aired", 50, ["TDP02", "TDP05"], "LOA01")
        row("R8", molao, local(10, 21, 6), "sang", "aired", 200, [], "LOA02")
        row("R9", molao, local(10, 21, 6, 3), "sang", "aired", 40, ["TDP05"], "LOA02")
        row("R10", molao, local(10, 6, 6), "sang", "aired", 10, ["TDX01"])
        row("X1", xa2, local(10, 10, 6), "sang", "aired", 70, None)
    return devices
