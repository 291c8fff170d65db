"""Ward isolation of the operational pages (stations, programmes, playout, live, devices, sources, publishing):
a ward user's lists show only their ward, a province user's show every ward; naming another ward's station,
programme, item, holiday, device, live session, recording, source or ward in the path, the query or the form
gets exactly the answer a missing object gets and changes nothing; the province reaches both wards."""

from __future__ import annotations

import pytest

from .ops_fixtures import MISSING, flashes, normalised, ops_browser_fixture, ops_world_fixture, snapshot  # noqa: F401

DAY = "2030-01-07"

# (role, method, url(own, target), form(own, target)): each names the target ward's object somewhere
CASES = [
    ("admin", "POST", lambda o, t: "/admin/stations", lambda o, t: {"station_id": t.station_id, "name": "Đổi"}),
    ("operator", "POST", lambda o, t: f"/admin/stations/{t.station_id}/sink", lambda o, t: {"sink": "export"}),
    (
        "operator",
        "POST",
        lambda o, t: f"/admin/stations/{t.station_id}/overrides",
        lambda o, t: {"date": DAY, "kind": "holiday"},
    ),
    ("operator", "POST", lambda o, t: f"/admin/stations/{t.station_id}/overrides/{t.override_id}/delete", None),
    ("operator", "POST", lambda o, t: f"/admin/stations/{o.station_id}/overrides/{t.override_id}/delete", None),
    ("viewer", "GET", lambda o, t: f"/programmes?station={t.station}", None),
    ("viewer", "GET", lambda o, t: f"/programmes/week?station={t.station}", None),
    ("operator", "POST", lambda o, t: "/programmes/build", lambda o, t: {"station": t.station, "date": DAY}),
    ("operator", "GET", lambda o, t: f"/programmes/export?station={t.station}&date={DAY}", None),
    ("operator", "POST", lambda o, t: f"/programmes/{t.programme_id}/lock", lambda o, t: {"locked": "1"}),
    (
        "operator",
        "POST",
        lambda o, t: f"/programmes/{t.programme_id}/items/{t.item_id}/move",
        lambda o, t: {"direction": "down"},
    ),
    (
        "operator",
        "POST",
        lambda o, t: f"/programmes/{o.programme_id}/items/{t.item_id}/move",
        lambda o, t: {"position": "2"},
    ),
    ("operator", "POST", lambda o, t: f"/programmes/{t.programme_id}/items/{t.item_id}/remove", None),
    ("operator", "POST", lambda o, t: f"/programmes/{o.programme_id}/items/{t.item_id}/remove", None),
    ("operator", "POST", lambda o, t: f"/programmes/{t.programme_id}/insert", lambda o, t: {"bulletin_id": "1"}),
    (
        "operator",
        "POST",
        lambda o, t: f"/programmes/{o.programme_id}/insert-relay",
        lambda o, t: {"source": t.source, "minutes": "5"},
    ),
    ("viewer", "GET", lambda o, t: f"/programmes/items/{t.item_id}/audio", None),
    ("viewer", "GET", lambda o, t: f"/programmes/{t.programme_id}/preview", None),
    ("operator", "POST", lambda o, t: "/playout/command", lambda o, t: {"station": t.station, "action": "stop"}),
    (
        "operator",
        "POST",
        lambda o, t: "/playout/command",
        lambda o, t: {"station_session": f"{t.station}|sang", "action": "play"},
    ),
    (
        "operator",
        "POST",
        lambda o, t: "/playout/confirm",
        lambda o, t: {"programme": t.programme_id, "outcome": "aired", "items": str(t.item_id)},
    ),
    ("admin", "POST", lambda o, t: "/live/start", lambda o, t: {"stations": t.station}),
    ("operator", "POST", lambda o, t: "/live/start", lambda o, t: {"stations": [o.station, t.station]}),
    ("admin", "POST", lambda o, t: f"/live/{t.live_id}/stop", None),
    ("admin", "GET", lambda o, t: f"/live/{t.live_id}/status", None),
    ("admin", "GET", lambda o, t: f"/live/{t.live_id}/recording", None),
    ("admin", "POST", lambda o, t: f"/live/{t.live_id}/rebroadcast", lambda o, t: {"title": "Phát lại"}),
    ("operator", "GET", lambda o, t: f"/live/relay/{t.asrun_id}/recording", None),
    ("operator", "POST", lambda o, t: f"/live/relay/{t.asrun_id}/rebroadcast", lambda o, t: {"title": "Phát lại"}),
    ("viewer", "GET", lambda o, t: f"/devices/{t.device}", None),
    ("operator", "POST", lambda o, t: f"/devices/{t.device}/command", lambda o, t: {"action": "stop"}),
    ("operator", "POST", lambda o, t: f"/sources/{t.source}", lambda o, t: {"name": "Đổi tên"}),
    ("operator", "POST", lambda o, t: f"/sources/{t.source}/enabled", lambda o, t: {"enabled": "0"}),
    ("operator", "POST", lambda o, t: f"/sources/{t.source}/check", None),
    ("operator", "GET", lambda o, t: f"/publishing?ward={t.ward}", None),
    ("admin", "POST", lambda o, t: "/publishing", lambda o, t: {"ward": t.ward, "embed_origins": "https://x.example"}),
    ("operator", "GET", lambda o, t: f"/publishing/poster/{t.station}/{t.cluster}.pdf", None),
    ("operator", "GET", lambda o, t: f"/publishing/posters/{t.ward}.pdf", None),
]


def _ask(client, method, url, form):
    data = dict(form or {}) | {"csrf_token": client.token}
    response = client.open(url, method=method, data=data if method == "POST" else None)
    if response.status_code in (301, 302, 303):
        followed = client.get(response.headers["Location"])
        return response.status_code, response.headers["Location"], flashes(followed.get_data(as_text=True))
    body = response.get_data(as_text=True) if response.mimetype == "application/json" else ""
    return response.status_code, None, body


def _answer(client, case, own, target):
    _role, method, url, form = case
    status, location, said = _ask(client, method, url(own, target), form(own, target) if form else None)
    return status, normalised(location or "", target), normalised(str(said), target)


@pytest.mark.parametrize("direction", ["A->B", "B->A"])
@pytest.mark.parametrize("case", CASES, ids=[f"{c[1]} {c[2](MISSING, MISSING)}" for c in CASES])
def test_other_wards_object_answers_as_missing_and_changes_nothing(runtime, ops_world, ops_browser, case, direction):
    own, target = ops_world[direction[0]], ops_world[direction[-1]]
    client = ops_browser(getattr(own, case[0]))
    before = snapshot(runtime)
    other = _answer(client, case, own, target)
    assert snapshot(runtime) == before, "naming another ward's object changed something"
    missing = _answer(client, case, own, MISSING)
    assert other == missing
    assert other[0] != 500
    if other[0] < 400:  # a page that answers with a message: it says why, in Vietnamese
        assert other[2] != "[]" or case[1] == "GET", other


LISTS = [
    ("operator", "/admin/stations", "station"),
    ("operator", "/playout", "station"),
    ("operator", "/playout/status.json", "station"),
    ("viewer", "/programmes", "station"),
    ("admin", "/live", "station"),
    ("viewer", "/devices", "device"),
    ("viewer", "/sources", "source"),
    ("operator", "/publishing", "ward_name"),
    ("operator", "/", "station"),
]


@pytest.mark.parametrize("role,url,field", LISTS)
def test_lists_show_only_the_own_ward_and_the_province_sees_both(ops_world, ops_browser, role, url, field):
    for me, other in (("A", "B"), ("B", "A")):
        html = ops_browser(getattr(ops_world[me], role)).get(url).get_data(as_text=True)
        assert getattr(ops_world[me], field) in html, (me, url)
        assert getattr(ops_world[other], field) not in html, (me, url)
    if field == "ward_name":  # the province picks the ward: both are offered
        html = ops_browser(f"tp.{'vanhanh' if role == 'operator' else role}").get(url).get_data(as_text=True)
        assert ops_world["A"].ward in html and ops_world["B"].ward in html
        return
    province = {"operator": "tp.vanhanh", "viewer": "tp.xem", "admin": "tp.admin"}[role]
    html = ops_browser(province).get(url).get_data(as_text=True)
    assert getattr(ops_world["A"], field) in html and getattr(ops_world["B"], field) in html, url


def test_the_provinces_boards_say_whose_each_station_and_device_is(ops_world, ops_browser):
    province = ops_browser("tp.vanhanh")
    board = province.get("/playout").get_data(as_text=True)
    assert 'data-ward="MOLAO"' in board and 'data-ward="DONGXA"' in board
    stations = {s["code"]: s["ward"] for s in province.get("/playout/status.json").get_json()["stations"]}
    assert stations["MOLAO"] == "MOLAO" and stations["DONGXA1"] == "DONGXA"
    assert "(Xã Đông Thử)" in province.get("/devices").get_data(as_text=True)
    ward = ops_browser("dx.vanhanh")
    assert "data-ward=" not in ward.get("/playout").get_data(as_text=True)
    assert "(Xã Đông Thử)" not in ward.get("/devices").get_data(as_text=True)
