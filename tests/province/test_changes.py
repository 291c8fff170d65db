"""What happens to deliveries when the province changes its bulletin, what a ward may not do to a province
bulletin, and the board's statements staying few whatever the number of stations."""

from __future__ import annotations

from sqlalchemy import select

from broadcast.bulletins import service, workflow
from broadcast.domain.models import Bulletin, Station, Ward
from broadcast.province import board, decisions
from tests.querycount import count_queries

from .conftest import PROVINCE_APPROVER, deliveries, send_down, user


def test_targets_changed_after_approval_move_the_deliveries_and_decisions_stay(runtime, province):
    bid = send_down(runtime, wards=["MOLAO"], category="thong-bao")
    with runtime.unit() as s:
        molao = s.scalar(select(decisions.Delivery).where(decisions.Delivery.bulletin_id == bid))
        decisions.accept(s, molao, user(s, "vanhanh"))
    with runtime.unit() as s:
        b = s.get(Bulletin, bid)
        # the province's approver (a submitter edits only until approval) adds a ward
        service.update_bulletin(s, user(s, PROVINCE_APPROVER), b, {"wards": ["MOLAO", "LAKHE"]})
    got = deliveries(runtime, bid)
    assert {k: v[2] for k, v in got.items()} == {"MOLAO": "accepted", "LAKHE": "waiting"}
    with runtime.unit() as s:
        service.update_bulletin(s, user(s, PROVINCE_APPROVER), s.get(Bulletin, bid), {"stations": ["LAKHE"]})
    assert {k: v[2] for k, v in deliveries(runtime, bid).items()} == {"LAKHE": "waiting"}


def test_raising_the_level_and_approving_again_accepts_what_waited(runtime, province):
    bid = send_down(runtime, wards="all", category="thong-bao")
    with runtime.unit() as s:
        b = s.get(Bulletin, bid)
        service.update_bulletin(s, user(s, PROVINCE_APPROVER), b, {"priority": "priority"})
        assert b.status == "submitted"  # a content change goes back to review
        workflow.approve(s, b, user(s, PROVINCE_APPROVER))
    assert {(level, state) for _id, level, state, _r in deliveries(runtime, bid).values()} == {("priority", "accepted")}


def test_a_ward_never_edits_reviews_or_withdraws_a_province_bulletin(client, runtime, province, api_token):
    bid = send_down(runtime, wards=["MOLAO"], category="thong-bao")
    op = {"Authorization": f"Bearer {api_token('vanhanh')}"}
    r = client.patch(f"/api/v1/bulletins/{bid}", json={"title": "Sửa tiêu đề"}, headers=op)
    assert r.status_code == 403 and "phường không sửa được" in r.get_json()["error"]["message"]
    r = client.post(f"/api/v1/bulletins/{bid}/withdraw", headers=op)
    assert r.status_code == 403 and "không rút được" in r.get_json()["error"]["message"]
    with runtime.unit() as s:
        b = s.get(Bulletin, bid)
        assert (b.title, b.status) == ("Hướng dẫn phòng chống sốt xuất huyết", "approved")
    # a LAKHE user does not even see it (not sent there): 404 as for a missing bulletin
    lakhe = {"Authorization": f"Bearer {api_token('lakhe.vanhanh')}"}
    assert client.get(f"/api/v1/bulletins/{bid}", headers=lakhe).status_code == 404
    assert client.get(f"/api/v1/bulletins/{bid}/deliveries", headers=lakhe).status_code == 404


def test_the_board_runs_the_same_few_statements_for_3_or_40_stations(runtime, province):
    def statements(bid) -> int:
        with runtime.unit() as s:
            b = s.get(Bulletin, bid)
            with count_queries(runtime.engine) as counter:
                data = board.board(s, b)
        assert data["totals"]["stations"] == len(deliveries(runtime, bid))
        return counter.count

    few = statements(send_down(runtime, wards="all", category="thong-bao"))
    with runtime.unit() as s:
        ward = s.scalar(select(Ward).where(Ward.code == "LAKHE"))
        s.add_all([Station(code=f"LK{n:02d}", name=f"Đài {n}", ward=ward, sink="null") for n in range(40)])
    many = statements(send_down(runtime, wards="all", category="thong-bao"))
    assert few == many <= 4
