"""The three Thông tư 39 levels end to end on the null sink: approval makes the deliveries; a normal one fills
only once the ward accepts it and then airs (the board says aired, with its times); a declined one never fills;
a priority one goes ahead of the ward's normal items and the ward may order it among its own priority items;
an emergency breaks in at once on every target station."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from broadcast.bulletins import workflow
from broadcast.domain.models import AuditLog, Bulletin, Delivery, Programme, ProgrammeItem, Station
from broadcast.domain.types import utcnow
from broadcast.errors import Conflict
from broadcast.playout.sinks import is_live
from broadcast.programme.build import build_day
from broadcast.province import decisions
from broadcast.province.deliveries import station_states
from tests.playout.conftest import air_programme, rows, runs, wait_for
from tests.programme.conftest import TableRenderer, next_weekday

from .conftest import LAKHE_OPERATOR, deliveries, send_down, user


def build(runtime, station="MOLAO", weekday=3):
    """Build the station's next such weekday (not today) and return its bulletin items per session."""
    today = utcnow().astimezone(runtime.settings.tz).date()
    on = next_weekday(today + timedelta(days=1), weekday)
    with runtime.unit() as s:
        progs = build_day(s, runtime.settings, station, on, renderer=TableRenderer(default_ms=20_000), today=today)
        return {p.session_code: [(i.bulletin_id, i.title) for i in p.items if i.kind == "bulletin"] for p in progs}


def bulletin_ids(built) -> set[int]:
    return {bid for items in built.values() for bid, _t in items}


def withdraw_demo_bulletins(runtime):
    """The demo's own bulletins out of the way, so a test controls the ward's candidates."""
    with runtime.unit() as s:
        for b in s.scalars(select(Bulletin)):
            b.status = "withdrawn"


def ward_bulletin(runtime, title, priority="normal", *, valid_days=14):
    """An approved MOLAO bulletin (department VHTT) for its stations."""
    from broadcast.bulletins import service

    today = utcnow().date()
    with runtime.unit() as s:
        data = {
            "department": "VHTT",
            "title": title,
            "body": f"Nội dung {title}.",
            "category": "thong-bao",
            "priority": priority,
            "valid_from": today.isoformat(),
            "valid_until": (today + timedelta(days=valid_days)).isoformat(),
            "airings": 5,
        }
        b = service.create_bulletin(s, user(s, "vanhoa"), data, submit_now=True)
        workflow.approve(s, b, user(s, "lanhdao"))
        return b.id


def decide(runtime, bulletin_id, station, action, username, *args):
    with runtime.unit() as s:
        delivery = s.scalar(
            select(Delivery)
            .join(Station, Station.id == Delivery.station_id)
            .where(Delivery.bulletin_id == bulletin_id, Station.code == station)
        )
        getattr(decisions, action)(s, delivery, user(s, username), *args)


def test_normal_fills_only_once_accepted_then_airs_and_the_board_says_aired(runtime, province, tones):
    bid = send_down(runtime, wards="all", category="thong-bao")
    assert {state for *_x, state, _r in deliveries(runtime, bid).values()} == {"waiting"}
    assert bid not in bulletin_ids(build(runtime))  # waiting: never in a programme
    decide(runtime, bid, "MOLAO", "accept", "vanhanh")
    built = build(runtime)
    assert bid in bulletin_ids(built)
    assert bid not in bulletin_ids(build(runtime, "LAKHE"))  # LAKHE has not accepted (nor any session)
    (state,) = [r for r in station_states_of(runtime, bid) if r["station_code"] == "MOLAO"]
    assert state["state"] == "scheduled" and state["first_scheduled_at"] is not None
    # air the programme that carries it, on the null sink (every item a short real tone)
    with runtime.unit() as s:
        item = s.scalar(select(ProgrammeItem).where(ProgrammeItem.bulletin_id == bid).order_by(ProgrammeItem.id))
        programme = s.get(Programme, item.programme_id)
        for i in programme.items:
            i.audio_path, i.duration_ms, i.relay = str(tones["short"]), 300, None
            i.kind = "bulletin" if i.bulletin_id else "asset"
        pid, sid = programme.id, programme.station_id
    air_programme(runtime, pid, sid)
    aired = [r for r in rows(runtime, bulletin_id=bid) if r.status == "aired"]
    assert len(aired) == 1 and aired[0].station_id == sid
    (molao,) = [r for r in station_states_of(runtime, bid) if r["station_code"] == "MOLAO"]
    assert molao["state"] == "aired" and molao["airings"] == 1
    assert molao["first_aired_at"] == molao["last_aired_at"] == aired[0].actual_start
    others = [r for r in station_states_of(runtime, bid) if r["station_code"] != "MOLAO"]
    assert others and {r["state"] for r in others} == {"waiting"}


def station_states_of(runtime, bid):
    with runtime.unit() as s:
        return station_states(s, bulletin_ids=[bid])


def test_declined_with_a_reason_never_fills(runtime, province):
    bid = send_down(runtime, wards=["MOLAO"], category="thong-bao")
    decide(runtime, bid, "MOLAO", "decline", "vanhanh", "Phường đã phát nội dung tương tự")
    assert bid not in bulletin_ids(build(runtime))
    (row,) = station_states_of(runtime, bid)
    assert (row["state"], row["reason"]) == ("declined", "Phường đã phát nội dung tương tự")


def test_priority_goes_ahead_of_the_wards_normal_items_and_the_ward_may_reorder_it(runtime, province):
    withdraw_demo_bulletins(runtime)
    normal = ward_bulletin(runtime, "Thông báo thu phí vệ sinh")
    own_priority = ward_bulletin(runtime, "Lịch cắt điện khẩn", "priority", valid_days=10)
    bid = send_down(runtime, wards=["MOLAO"], category="thong-bao", priority="priority")
    assert deliveries(runtime, bid)["MOLAO"][1:3] == ("priority", "accepted")  # no decision needed
    for items in build(runtime).values():
        order = [b for b, _t in items]
        assert order.index(bid) < order.index(normal)
        assert order.index(own_priority) < order.index(bid)  # rotation: the ward's expires first
    # the ward operator puts the province's item first among the priority items
    decide(runtime, bid, "MOLAO", "set_position", "vanhanh", 0)
    for items in build(runtime).values():
        order = [b for b, _t in items]
        assert order.index(bid) < order.index(own_priority) < order.index(normal)
    with runtime.unit() as s:
        (audit,) = s.scalars(select(AuditLog).where(AuditLog.action == "delivery.position")).all()
        assert audit.username == "vanhanh" and audit.detail["to"] == 0
    # a normal delivery cannot be ordered: only priority items are
    other = send_down(runtime, wards=["MOLAO"], category="thong-bao")
    with runtime.unit() as s:
        d = s.scalar(select(Delivery).where(Delivery.bulletin_id == other))
        try:
            decisions.set_position(s, d, user(s, "vanhanh"), 1)
        except Conflict as exc:
            assert exc.http_status == 409 and exc.code == "not_priority"
        else:
            raise AssertionError("a normal delivery was ordered")


def test_emergency_breaks_in_at_once_on_every_target_station(runtime, province, tones, service_factory):
    with runtime.unit() as s:
        live = sorted(c for c, sink in s.execute(select(Station.code, Station.sink)) if is_live(sink))
    assert {"MOLAO", "LAKHE"} <= set(live)
    bid = send_down(runtime, wards="all", priority="emergency", recording=str(tones["short"]))
    assert {state for *_x, state, _r in deliveries(runtime, bid).values()} == {"accepted"}
    service_factory()
    wait_for(lambda: len(runs(runtime, kind="emergency", status="done")) == len(live), timeout=20)
    with runtime.unit() as s:
        codes = dict(s.execute(select(Station.id, Station.code)).all())
    aired = {codes[r.station_id] for r in rows(runtime, kind="emergency", status="aired") if r.bulletin_id == bid}
    assert sorted(aired) == live
    states = station_states_of(runtime, bid)
    assert {r["state"] for r in states} == {"aired"} and len(states) == len(live)


def test_a_ward_operator_cannot_decide_another_wards_delivery(runtime, province):
    """Through the scoped session of a LAKHE operator, MOLAO's delivery does not exist."""
    from broadcast import tenancy
    from broadcast.errors import NotFound

    bid = send_down(runtime, wards="all", category="thong-bao")
    molao_id = deliveries(runtime, bid)["MOLAO"][0]
    with runtime.unit() as s:
        tenancy.apply(s, user(s, LAKHE_OPERATOR))
        try:
            decisions.get_delivery(s, molao_id)
        except NotFound as exc:
            assert exc.message == f"Không có tin gửi xuống số {molao_id}."
        else:
            raise AssertionError("another ward's delivery was found")
        assert [r["station_code"] for r in station_states(s, bulletin_ids=[bid])] == ["LAKHE"]


def test_a_province_bulletins_airings_count_per_station(runtime, province, tones):
    """Airing once at MOLAO uses MOLAO's airing, not LAKHE's: the bulletin stays approved with its airing
    still to come at LAKHE."""
    from broadcast.programme.candidates import day_candidates
    from tests.playout.conftest import make_programme

    bid = send_down(runtime, wards="all", category="thong-bao", airings=1)
    decide(runtime, bid, "MOLAO", "accept", "vanhanh")
    decide(runtime, bid, "LAKHE", "accept", LAKHE_OPERATOR)
    with runtime.unit() as s:
        molao = s.scalar(select(Station).where(Station.code == "MOLAO"))
        pid = make_programme(s, molao, [tones["short"]], bulletin_ids=[bid]).id
        sid = molao.id
    air_programme(runtime, pid, sid)
    assert [r.status for r in rows(runtime, bulletin_id=bid)] == ["aired"]
    today = utcnow().astimezone(runtime.settings.tz).date()
    with runtime.unit() as s:
        b = s.get(Bulletin, bid)
        assert (b.status, b.airings_left) == ("approved", 1)
        left = {}
        for code in ("MOLAO", "LAKHE"):
            station = s.scalar(select(Station).where(Station.code == code))
            got = day_candidates(s, station, today + timedelta(days=1), today, set())
            left[code] = got[bid][1].airings_left if bid in got else None
    assert left == {"MOLAO": 0, "LAKHE": 1}
