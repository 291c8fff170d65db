"""Device health (broadcast/network/health.py): each alert kind raised when it should and not otherwise, at an
explicit ``now`` (no waiting); the heartbeat's outbox fields; the alerts take a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from broadcast.domain.models import AsRun, Programme, ProgrammeItem, Station
from broadcast.network.devices import HEARTBEAT_TIMEOUT, add_device, apply_status, record_event, revoke_device
from broadcast.network.health import OUTBOX_ALERT_AFTER, SESSION_ALERT_GRACE, alerts, device_health
from tests.querycount import count_queries

# 10:00 in Hà Nội; the session "sang" of that day starts at 06:00 local (23:00 UTC the day before).
NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
DAY = NOW.date()
SANG = datetime(2026, 11, 26, 23, 0, tzinfo=UTC)


@pytest.fixture
def ward(session, demo):
    """MOLAO aired by its agents; devices LOA01 and LOA02, added three days before NOW, last heard from a
    minute before NOW with an empty outbox."""
    station = session.scalar(select(Station).where(Station.code == "MOLAO"))
    station.sink = "agent"
    devices = {}
    for code in ("LOA01", "LOA02"):
        device, _ = add_device(session, code, "MOLAO")
        device.created_at = NOW - timedelta(days=3)
        apply_status(session, device, {"outbox": 0, "outbox_oldest": None}, received_at=NOW - timedelta(minutes=1))
        devices[code] = device
    session.flush()
    return {"station": station, **devices}


def add_programme(session, station, starts_at, code="sang", on_date=DAY, max_duration_s=900, items=2):
    programme = Programme(
        station_id=station.id,
        on_date=on_date,
        session_code=code,
        starts_at=starts_at,
        max_duration_s=max_duration_s,
        locked=True,
    )
    for pos in range(items):
        programme.items.append(
            ProgrammeItem(
                position=pos,
                kind="asset",
                title=f"Mục {pos}",
                duration_ms=60000,
                planned_start=starts_at + timedelta(minutes=pos),
            )
        )
    session.add(programme)
    session.flush()
    return programme


def add_row(session, device, programme, position=0, status="aired"):
    session.add(
        AsRun(
            station_id=device.station_id,
            programme_id=programme.id,
            session_code=programme.session_code,
            air_date=programme.on_date,
            position=position,
            title=f"Mục {position}",
            actual_start=programme.starts_at + timedelta(minutes=position),
            aired_ms=60000 if status == "aired" else 0,
            status=status,
            source="agent",
            device_id=device.id,
            uid=f"{device.code}-{programme.id}-{position}",
        )
    )
    session.flush()


def kinds(session, now=NOW, **kw):
    return sorted((a.kind, a.device) for a in alerts(session, now, **kw))


def test_healthy_network_raises_nothing(session, ward):
    programme = add_programme(session, ward["station"], SANG)
    for code in ("LOA01", "LOA02"):
        add_row(session, ward[code], programme)
    assert kinds(session) == []
    states = {h.device.code: h for h in device_health(session, NOW)}
    assert states["LOA01"].online and states["LOA01"].alerts == []


def test_missed_heartbeats_raise_offline_since_the_last_heartbeat(session, ward):
    last = NOW - HEARTBEAT_TIMEOUT - timedelta(seconds=1)
    ward["LOA01"].last_seen = last  # no last will came (the broker went down with it): online flag still set
    found = [a for a in alerts(session, NOW) if a.device == "LOA01"]
    assert [a.kind for a in found] == ["offline"]
    assert found[0].since == last and found[0].station == "MOLAO"
    assert "không gửi nhịp tim từ 09:58 27/11/2026" in found[0].message
    # one second less and it is still online
    assert kinds(session, now=NOW - timedelta(seconds=2)) == []


def test_disconnect_raises_offline_since_the_disconnect(session, ward):
    device = ward["LOA02"]
    gone = NOW - timedelta(minutes=30)
    device.online = False
    record_event(session, device, "disconnect", {"via": "will"}, at=gone)
    device.last_seen = gone - timedelta(seconds=20)
    session.flush()
    (alert,) = alerts(session, NOW)
    assert (alert.kind, alert.device, alert.since) == ("offline", "LOA02", gone)
    assert alert.message == "Thiết bị LOA02 (đài MOLAO) mất kết nối từ 09:30 27/11/2026."
    health = {h.device.code: h for h in device_health(session, NOW)}
    assert not health["LOA02"].online and health["LOA02"].since == gone


def test_a_device_never_connected_is_offline(session, ward):
    add_device(session, "LOA03", "MOLAO")
    session.flush()
    (alert,) = [a for a in alerts(session, NOW) if a.device == "LOA03"]
    assert alert.kind == "offline" and "chưa từng kết nối" in alert.message


def test_revoked_devices_raise_nothing(session, ward):
    add_programme(session, ward["station"], SANG)  # nobody aired it
    ward["LOA01"].last_seen = NOW - timedelta(hours=5)
    ward["LOA01"].outbox_pending, ward["LOA01"].outbox_oldest = 3, NOW - timedelta(days=1)
    revoke_device(session, "LOA01")
    session.flush()
    assert kinds(session) == [("session_not_aired", "LOA02")]


def test_a_session_a_device_did_not_air(session, ward):
    programme = add_programme(session, ward["station"], SANG)
    add_row(session, ward["LOA01"], programme)
    (alert,) = alerts(session, NOW)
    assert (alert.kind, alert.device, alert.since) == ("session_not_aired", "LOA02", SANG)
    assert alert.message == (
        "Thiết bị LOA02 không phát buổi sáng (sang) ngày 27/11/2026 (đài MOLAO): không có dòng nhật ký phát nào."
    )


def test_only_missed_rows_count_as_not_aired_but_cluster_skips_do_not(session, ward):
    programme = add_programme(session, ward["station"], SANG)
    add_row(session, ward["LOA01"], programme, 0, "missed")
    add_row(session, ward["LOA01"], programme, 1, "failed")
    add_row(session, ward["LOA02"], programme, 0, "skipped")  # items meant for other clusters
    add_row(session, ward["LOA02"], programme, 1, "skipped")
    (alert,) = alerts(session, NOW)
    assert alert.device == "LOA01" and "mọi mục đều lỡ giờ hoặc lỗi" in alert.message


def test_no_session_alert_before_its_end_and_grace(session, ward):
    add_programme(session, ward["station"], SANG, max_duration_s=900)
    end = SANG + timedelta(seconds=900) + SESSION_ALERT_GRACE
    assert kinds(session, now=end - timedelta(seconds=1)) == []
    assert kinds(session, now=end) == [("session_not_aired", "LOA01"), ("session_not_aired", "LOA02")]


def test_no_session_alert_for_stations_the_server_airs_devices_added_later_or_old_days(session, ward):
    add_programme(session, ward["station"], SANG - timedelta(days=2), on_date=DAY - timedelta(days=2))
    add_programme(session, ward["station"], SANG - timedelta(days=3), on_date=DAY - timedelta(days=3))
    add_programme(session, ward["station"], SANG - timedelta(days=1), on_date=DAY - timedelta(days=1))
    ward["LOA02"].created_at = SANG - timedelta(hours=12)  # added after yesterday's session began
    session.flush()
    assert kinds(session) == [("session_not_aired", "LOA01")]  # yesterday's only, by the older device
    add_programme(session, ward["station"], SANG, items=0)  # an empty programme airs nothing
    assert kinds(session) == [("session_not_aired", "LOA01")]
    ward["station"].sink = "null"  # the server airs it: the devices only keep the programme
    session.flush()
    assert kinds(session) == []


def test_old_outbox(session, ward):
    device = ward["LOA01"]
    oldest = NOW - OUTBOX_ALERT_AFTER - timedelta(seconds=1)
    # the agent's clock is 3 minutes fast: its outbox time is moved onto the server's clock
    clock = NOW - timedelta(seconds=5) + timedelta(minutes=3)
    apply_status(
        session,
        device,
        {"outbox": 1234, "outbox_oldest": (oldest + timedelta(minutes=3)).isoformat(), "clock": clock.isoformat()},
        received_at=NOW - timedelta(seconds=5),
    )
    assert device.outbox_pending == 1234 and device.outbox_oldest == oldest
    (alert,) = alerts(session, NOW)
    assert (alert.kind, alert.device, alert.since) == ("outbox_old", "LOA01", oldest)
    assert "còn 1.234 dòng nhật ký phát chưa gửi về máy chủ" in alert.message
    assert kinds(session, now=NOW - timedelta(seconds=2)) == []  # not yet older than the threshold
    device.outbox_pending = 0  # delivered: the age no longer matters
    assert kinds(session) == []


@pytest.mark.parametrize(
    "status,pending",
    [
        ({"outbox": "nhiều", "outbox_oldest": "2026-11-27T01:00:00+00:00"}, None),
        ({"outbox": -3, "outbox_oldest": "2026-11-27T01:00:00+00:00"}, None),
        ({"outbox": True, "outbox_oldest": "2026-11-27T01:00:00+00:00"}, None),
        ({"outbox": 5, "outbox_oldest": "hôm qua"}, 5),
        ({"outbox": 5, "outbox_oldest": "2026-11-27T01:00:00"}, 5),  # no zone: ambiguous
        ({"outbox": 5, "outbox_oldest": 1764205200}, 5),
        ({"outbox": 0, "outbox_oldest": "2026-11-27T01:00:00+00:00"}, 0),  # nothing pending has no age
    ],
)
def test_malformed_outbox_fields_are_ignored(session, ward, status, pending):
    device = ward["LOA01"]
    apply_status(session, device, status, received_at=NOW)
    assert device.outbox_pending == pending and device.outbox_oldest is None
    assert kinds(session) == []


def test_station_filter_and_order(session, ward):
    other = Station(code="KHAC", name="Đài khác", ward=ward["station"].ward, sink="agent")
    session.add(other)
    session.flush()
    add_device(session, "KHAC01", "KHAC")
    add_programme(session, ward["station"], SANG)
    ward["LOA02"].outbox_pending, ward["LOA02"].outbox_oldest = 2, NOW - timedelta(hours=3)
    session.flush()
    assert [(a.kind, a.device) for a in alerts(session, NOW)] == [
        ("offline", "KHAC01"),
        ("session_not_aired", "LOA01"),
        ("session_not_aired", "LOA02"),
        ("outbox_old", "LOA02"),
    ]
    assert kinds(session, station_code="khac") == [("offline", "KHAC01")]


def test_alerts_take_a_fixed_number_of_queries(session, runtime, ward):
    def count():
        session.expire_all()
        with count_queries(runtime.engine) as counter:
            found = alerts(session, NOW)
        return counter.count, len(found)

    add_programme(session, ward["station"], SANG)
    small = count()
    for n in range(3, 13):
        device, _ = add_device(session, f"LOA{n:02d}", "MOLAO")
        device.created_at = NOW - timedelta(days=3)
    add_programme(session, ward["station"], SANG - timedelta(days=1), on_date=DAY - timedelta(days=1))
    session.flush()
    large = count()
    assert large[1] > small[1] and large[0] == small[0] <= 5, (small, large)
