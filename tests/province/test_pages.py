"""The ward's queue page (accept, decline with a reason, order a priority item) and the province's delivery
board page with its JSON poll, as the province and as a ward sees them."""

from __future__ import annotations

from tests.conftest import csrf_from, login

from .conftest import LAKHE_OPERATOR, PROVINCE_APPROVER, deliveries, send_down


def page(client, url):
    r = client.get(url)
    assert r.status_code == 200, url
    return r.get_data(as_text=True)


def post(client, url, data, csrf_page="/deliveries"):
    return client.post(url, data={**data, "csrf_token": csrf_from(page(client, csrf_page))})


def test_the_ward_decides_from_its_queue(client, runtime, province):
    bid = send_down(runtime, wards="all", category="thong-bao")
    molao_id, _level, _state, _reason = deliveries(runtime, bid)["MOLAO"]
    lakhe_id = deliveries(runtime, bid)["LAKHE"][0]
    assert login(client, "vanhanh", province).status_code == 302
    html = page(client, "/deliveries")
    assert "Hướng dẫn phòng chống sốt xuất huyết" in html and f'data-testid="accept-{molao_id}"' in html
    assert f"accept-{lakhe_id}" not in html  # another ward's delivery is not in this queue
    r = post(client, f"/deliveries/{molao_id}/decline", {"reason": ""})
    assert r.status_code == 302
    assert "Cần ghi lý do khi từ chối phát tin của tỉnh." in page(client, "/deliveries")
    assert deliveries(runtime, bid)["MOLAO"][2] == "waiting"
    assert post(client, f"/deliveries/{lakhe_id}/accept", {}).status_code == 404
    assert post(client, f"/deliveries/{molao_id}/accept", {}).status_code == 302
    assert deliveries(runtime, bid)["MOLAO"][2] == "accepted"
    assert deliveries(runtime, bid)["LAKHE"][2] == "waiting"
    post(client, f"/deliveries/{molao_id}/accept", {})
    assert "đã được nhận phát" in page(client, "/deliveries")


def test_a_priority_item_is_ordered_from_the_queue(client, runtime, province):
    bid = send_down(runtime, wards=["MOLAO"], category="thong-bao", priority="priority")
    molao_id = deliveries(runtime, bid)["MOLAO"][0]
    login(client, "vanhanh", province)
    assert f'id="position-{molao_id}"' in page(client, "/deliveries")
    assert post(client, f"/deliveries/{molao_id}/position", {"position": "2"}).status_code == 302
    assert "Đã lưu thứ tự" in page(client, "/deliveries")
    post(client, f"/deliveries/{molao_id}/position", {"position": "abc"})
    from sqlalchemy import select

    from broadcast.domain.models import Delivery

    with runtime.unit() as s:
        assert s.scalar(select(Delivery.position).where(Delivery.id == molao_id)) == 2


def test_the_board_page_and_its_poll(client, runtime, province):
    bid = send_down(runtime, wards="all", category="thong-bao")
    stations = len(deliveries(runtime, bid))
    login(client, PROVINCE_APPROVER, province)
    html = page(client, f"/bulletins/{bid}/deliveries")
    assert f"Đã phát trên 0/{stations} đài" in html
    assert "Phường La Khê" in html and "Phường Mộ Lao" in html and "deliveries.js" in html
    data = client.get(f"/bulletins/{bid}/deliveries.json").get_json()
    assert data["totals"]["stations"] == stations and data["bulletin"]["id"] == bid
    assert f"/bulletins/{bid}/deliveries" in page(client, f"/bulletins/{bid}")
    client.post("/logout", data={"csrf_token": csrf_from(page(client, "/"))})
    # a ward operator sees only its own station's row
    login(client, LAKHE_OPERATOR, province)
    html = page(client, f"/bulletins/{bid}/deliveries")
    assert "Đã phát trên 0/1 đài" in html and "Phường Mộ Lao" not in html
    assert client.get("/bulletins/999999/deliveries").status_code == 404
