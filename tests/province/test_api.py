"""Province bulletins over the API: targets (and their bad inputs), approval making the deliveries, the ward's
accept / decline with their 4xx answers, and the board of one bulletin as the province and as a ward sees it."""

from __future__ import annotations

from sqlalchemy import func, select

from broadcast.domain.models import AuditLog, Delivery, Station

from .conftest import LAKHE_OPERATOR, PROVINCE_APPROVER, PROVINCE_SUBMITTER, bulletin_count, deliveries, province_data


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def create(client, token, **fields):
    return client.post("/api/v1/bulletins", json=province_data(**fields), headers=bearer(token))


def approve(client, api_token, bulletin_id):
    r = client.post(f"/api/v1/bulletins/{bulletin_id}/submit", headers=bearer(api_token(PROVINCE_SUBMITTER)))
    assert r.status_code == 200, r.get_json()
    r = client.post(f"/api/v1/bulletins/{bulletin_id}/approve", headers=bearer(api_token(PROVINCE_APPROVER)))
    assert r.status_code == 200, r.get_json()


def test_a_province_bulletin_without_a_target_is_refused_and_nothing_is_saved(client, runtime, province, api_token):
    token = api_token(PROVINCE_SUBMITTER)
    before = bulletin_count(runtime)
    for extra in ({}, {"stations": []}, {"wards": []}, {"stations": None}):
        r = create(client, token, **extra)
        assert r.status_code == 400, (extra, r.get_json())
        assert r.get_json()["error"]["code"] == "no_target"
        assert "cần chọn nơi nhận" in r.get_json()["error"]["message"]
    assert bulletin_count(runtime) == before


def test_targets_all_wards_chosen_wards_or_stations(client, runtime, province, api_token):
    token = api_token(PROVINCE_SUBMITTER)
    with runtime.unit() as s:
        every = set(s.scalars(select(Station.code)))
    r = create(client, token, wards="all")
    assert r.status_code == 201 and r.get_json()["all_stations"] is True
    approve(client, api_token, r.get_json()["id"])
    assert set(deliveries(runtime, r.get_json()["id"])) == every
    r = create(client, token, wards=["lakhe"])
    assert r.status_code == 201 and r.get_json()["stations"] == ["LAKHE"]
    approve(client, api_token, r.get_json()["id"])
    assert set(deliveries(runtime, r.get_json()["id"])) == {"LAKHE"}
    r = create(client, token, stations=["MOLAO"], wards=["LAKHE"])
    assert sorted(r.get_json()["stations"]) == ["LAKHE", "MOLAO"]
    r = create(client, token, wards=["KHONGCO"])
    assert r.status_code == 400 and r.get_json()["error"]["message"] == "Không có phường, xã mã «KHONGCO»."


def test_a_ward_user_cannot_name_another_wards_station_ward_or_the_province_department(
    client, runtime, province, api_token
):
    token = api_token("vanhanh")  # an operator of MOLAO
    before = bulletin_count(runtime)
    data = {"department": "VHTT"}
    answers = {}
    for field, other, missing in (("stations", ["LAKHE"], ["NOWHERE"]), ("wards", ["LAKHE"], ["NOWHERE"])):
        got = create(client, token, **data, **{field: other}).get_json()["error"]["message"]
        unknown = create(client, token, **data, **{field: missing}).get_json()["error"]["message"]
        assert got == unknown.replace("NOWHERE", "LAKHE"), (field, got, unknown)
        answers[field] = got
    assert answers["stations"] == "Không có đài mã «LAKHE»."
    r = create(client, token, department="SOVHTT", stations=["MOLAO"])
    assert r.status_code == 400 and r.get_json()["error"]["message"] == "Không có đơn vị mã «SOVHTT»."
    assert bulletin_count(runtime) == before


def test_normal_waits_then_the_ward_accepts_once_and_declining_needs_a_reason(client, runtime, province, api_token):
    r = create(client, api_token(PROVINCE_SUBMITTER), wards="all")
    bid = r.get_json()["id"]
    approve(client, api_token, bid)
    got = deliveries(runtime, bid)
    assert {state for _id, _level, state, _reason in got.values()} == {"waiting"}
    molao_id, lakhe_id = got["MOLAO"][0], got["LAKHE"][0]
    op = bearer(api_token("vanhanh"))
    r = client.post(f"/api/v1/deliveries/{molao_id}/accept", headers=op)
    assert r.status_code == 200 and r.get_json()["state"] == "accepted" and r.get_json()["decided_by"] == "vanhanh"
    r = client.post(f"/api/v1/deliveries/{molao_id}/accept", headers=op)
    assert r.status_code == 409 and "đã được nhận phát" in r.get_json()["error"]["message"]
    r = client.post(f"/api/v1/deliveries/{molao_id}/decline", json={"reason": "Trùng lịch"}, headers=op)
    assert r.status_code == 409
    # MOLAO's operator naming LAKHE's delivery: the same 404 as a delivery that does not exist
    missing = client.post("/api/v1/deliveries/999999/accept", headers=op)
    other = client.post(f"/api/v1/deliveries/{lakhe_id}/accept", headers=op)
    assert other.status_code == missing.status_code == 404
    assert other.get_json()["error"]["message"] == missing.get_json()["error"]["message"].replace(
        "999999", str(lakhe_id)
    )
    lakhe = bearer(api_token(LAKHE_OPERATOR))
    for body in ({}, {"reason": "   "}):
        r = client.post(f"/api/v1/deliveries/{lakhe_id}/decline", json=body, headers=lakhe)
        assert (
            r.status_code == 400 and r.get_json()["error"]["message"] == "Cần ghi lý do khi từ chối phát tin của tỉnh."
        )
    assert deliveries(runtime, bid)["LAKHE"][2] == "waiting"
    r = client.post(
        f"/api/v1/deliveries/{lakhe_id}/decline", json={"reason": "Phường đang phát tin bão"}, headers=lakhe
    )
    assert r.status_code == 200 and r.get_json()["state"] == "declined"
    r = client.post(f"/api/v1/deliveries/{lakhe_id}/accept", headers=lakhe)
    assert r.status_code == 409 and "đã bị từ chối" in r.get_json()["error"]["message"]
    assert deliveries(runtime, bid)["LAKHE"] == (lakhe_id, "normal", "declined", "Phường đang phát tin bão")
    with runtime.unit() as s:
        actions = s.scalars(select(AuditLog.action).where(AuditLog.action.like("delivery.%"))).all()
    assert sorted(actions) == ["delivery.accept", "delivery.decline", "delivery.send"]


def test_the_board_for_the_province_and_for_a_ward(client, runtime, province, api_token):
    r = create(client, api_token(PROVINCE_SUBMITTER), wards="all")
    bid = r.get_json()["id"]
    approve(client, api_token, bid)
    lakhe_id = deliveries(runtime, bid)["LAKHE"][0]
    client.post(
        f"/api/v1/deliveries/{lakhe_id}/decline",
        json={"reason": "Không phù hợp"},
        headers=bearer(api_token(LAKHE_OPERATOR)),
    )
    with runtime.unit() as s:
        stations = s.scalar(select(func.count()).select_from(Delivery).where(Delivery.bulletin_id == bid))
    board = client.get(f"/api/v1/bulletins/{bid}/deliveries", headers=bearer(api_token(PROVINCE_APPROVER))).get_json()
    assert board["totals"]["stations"] == stations >= 2 and board["totals"]["aired"] == 0
    assert board["totals"]["by_state"]["declined"] == 1
    rows = {r["station_code"]: r for w in board["wards"] for r in w["stations"]}
    assert rows["LAKHE"]["state"] == "declined" and rows["LAKHE"]["reason"] == "Không phù hợp"
    assert rows["MOLAO"]["state"] == "waiting"
    # a ward operator sees the bulletin sent to it, and only its own stations' rows
    mine = client.get(f"/api/v1/bulletins/{bid}/deliveries", headers=bearer(api_token("vanhanh"))).get_json()
    assert [w["code"] for w in mine["wards"]] == ["MOLAO"]
    assert [r["station_code"] for r in mine["wards"][0]["stations"]] == ["MOLAO"]
    assert mine["totals"]["stations"] == 1
    queue = client.get("/api/v1/deliveries", headers=bearer(api_token("vanhanh"))).get_json()["items"]
    assert [(q["bulletin_id"], q["station"], q["state"]) for q in queue] == [(bid, "MOLAO", "waiting")]
