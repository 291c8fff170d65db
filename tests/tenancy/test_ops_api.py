"""Ward isolation of the operational API (programmes, airtime, playout, live, devices, sources): naming another
ward's station, command, live session, device or source in the path, the query or the body answers exactly as a
missing one (status, error code and message) and changes nothing; lists carry only the caller's ward, and a
province user's carry every ward."""

from __future__ import annotations

from datetime import date

import pytest

from .ops_fixtures import (  # noqa: F401
    MISSING,
    api,
    normalised,
    ops_token_fixture,
    ops_world_fixture,
    snapshot,
)

TODAY = date.today().isoformat()

# (role, method, url(own, target), body(own, target))
CASES = [
    ("operator", "POST", lambda o, t: f"/stations/{t.station}/programmes/{TODAY}/build", None),
    ("viewer", "GET", lambda o, t: f"/stations/{t.station}/programmes/{TODAY}", None),
    ("operator", "GET", lambda o, t: f"/stations/{t.station}/programmes/{TODAY}/export", None),
    ("viewer", "GET", lambda o, t: f"/airtime?station={t.station}", None),
    ("operator", "POST", lambda o, t: "/playout/commands", lambda o, t: {"station": t.station, "action": "stop"}),
    ("operator", "GET", lambda o, t: f"/playout/commands/{t.command_id}", None),
    (
        "operator",
        "POST",
        lambda o, t: "/playout/confirm",
        lambda o, t: {"station": t.station, "session": "sang", "outcome": "aired", "items": [t.item_id]},
    ),
    ("operator", "POST", lambda o, t: "/live", lambda o, t: {"stations": [t.station]}),
    ("operator", "POST", lambda o, t: "/live", lambda o, t: {"stations": [o.station, t.station]}),
    ("operator", "GET", lambda o, t: f"/live/{t.live_id}", None),
    ("operator", "POST", lambda o, t: f"/live/{t.live_id}/stop", None),
    ("viewer", "GET", lambda o, t: f"/devices/{t.device}/events", None),
    ("operator", "POST", lambda o, t: f"/devices/{t.device}/commands", lambda o, t: {"action": "stop"}),
    (
        "operator",
        "POST",
        lambda o, t: f"/devices/{t.device}/commands",
        lambda o, t: {"action": "volume", "args": {"level": 50}},
    ),
    ("operator", "PATCH", lambda o, t: f"/sources/{t.source}", lambda o, t: {"name": "Đổi tên"}),
    ("operator", "PATCH", lambda o, t: f"/sources/{t.source}", lambda o, t: {"enabled": False}),
    ("operator", "POST", lambda o, t: f"/sources/{t.source}/check", None),
]


def _answer(client, token, case, own, target):
    _role, method, url, body = case
    response = api(client, token, method, url(own, target), body(own, target) if body else None)
    payload = response.get_json(silent=True)
    return response.status_code, normalised(repr(payload), target)


@pytest.mark.parametrize("direction", ["A->B", "B->A"])
@pytest.mark.parametrize("case", CASES, ids=[f"{c[1]} {c[2](MISSING, MISSING)}" for c in CASES])
def test_other_wards_object_answers_as_missing_and_changes_nothing(runtime, app, ops_world, ops_token, case, direction):
    own, target = ops_world[direction[0]], ops_world[direction[-1]]
    client, token = app.test_client(), ops_token(getattr(own, case[0]))
    before = snapshot(runtime)
    other = _answer(client, token, case, own, target)
    assert snapshot(runtime) == before, "naming another ward's object changed something"
    assert 400 <= other[0] < 500 and "message" in other[1], other
    assert other == _answer(client, token, case, own, MISSING)


# (url, what of each ward the items name, how to read the names from the answer)
LISTS = [
    ("/devices", "device", lambda j: {i["code"] for i in j["items"]}),
    ("/sources", "source", lambda j: {i["code"] for i in j["items"]}),
    ("/airtime", "station", lambda j: {i["station"] for i in j["items"]}),
    ("/playout/status", "station", lambda j: {i["code"] for i in j["stations"]}),
]


@pytest.mark.parametrize("url,field,names", LISTS, ids=[u for u, *_ in LISTS])
def test_lists_carry_only_the_callers_ward_and_the_province_sees_every_ward(
    app, ops_world, ops_token, url, field, names
):
    client = app.test_client()
    for me, other in (("A", "B"), ("B", "A")):
        seen = names(api(client, ops_token(ops_world[me].operator), "GET", url).get_json())
        assert getattr(ops_world[me], field) in seen and getattr(ops_world[other], field) not in seen, (me, seen)
    seen = names(api(client, ops_token("tp.vanhanh"), "GET", url).get_json())
    assert {getattr(ops_world["A"], field), getattr(ops_world["B"], field)} <= seen


def test_a_device_list_filtered_by_another_wards_station_is_empty_as_for_a_missing_one(app, ops_world, ops_token):
    client, token = app.test_client(), ops_token("vanhanh")
    other = api(client, token, "GET", f"/devices?station={ops_world['B'].station}")
    missing = api(client, token, "GET", "/devices?station=KHONGCO")
    assert other.status_code == missing.status_code == 200 and other.get_json() == missing.get_json() == {"items": []}


def test_the_province_reaches_both_wards(runtime, app, ops_world, ops_token):
    client, token = app.test_client(), ops_token("tp.vanhanh")
    for ward in ("A", "B"):
        o = ops_world[ward]
        assert api(client, token, "GET", f"/devices/{o.device}/events").status_code == 200
        assert api(client, token, "GET", f"/playout/commands/{o.command_id}").status_code == 200
        day = api(client, token, "GET", f"/stations/{o.station}/programmes/{TODAY}")
        assert day.status_code == 200
        sent = api(client, token, "POST", f"/devices/{o.device}/commands", {"action": "stop"})
        assert sent.status_code == 202, sent.get_json()
