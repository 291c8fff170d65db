"""A bulletin whose airing window has ended: not submitted, not approved, and expired once a day / on build."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from broadcast.bulletins import workflow
from broadcast.domain.models import AuditLog, Bulletin
from broadcast.errors import Conflict
from tests.conftest import csrf_from


def _ended(make_bulletin, status, **kw):
    today = workflow.local_today()
    return make_bulletin(
        status,
        valid_from=(today - timedelta(days=10)).isoformat(),
        valid_until=(today - timedelta(days=1)).isoformat(),
        **kw,
    )


def test_local_today_follows_the_ward_time_zone(monkeypatch):
    monkeypatch.setenv("BROADCAST_TIMEZONE", "Pacific/Kiritimati")  # UTC+14
    east = workflow.local_today()
    monkeypatch.setenv("BROADCAST_TIMEZONE", "Pacific/Pago_Pago")  # UTC-11
    west = workflow.local_today()
    assert 1 <= (east - west).days <= 2  # 25 hours apart
    monkeypatch.setenv("BROADCAST_TIMEZONE", "Not/AZone")
    assert workflow.local_today()  # falls back, never raises


@pytest.mark.parametrize("action,state,actor", [("submit", "draft", "vanhoa"), ("approve", "submitted", "lanhdao")])
def test_ended_window_is_refused_with_a_clear_message(session, users, make_bulletin, action, state, actor):
    b = _ended(make_bulletin, state)
    with pytest.raises(Conflict) as err:
        workflow.perform(session, action, b, users[actor])
    assert err.value.http_status == 409 and err.value.code == "window_ended" and err.value.field == "valid_until"
    assert (
        "Thời hạn phát của tin đã hết" in err.value.message and b.valid_until.strftime("%d/%m/%Y") in err.value.message
    )
    assert b.status == state


def test_last_day_of_the_window_is_still_open(session, users, make_bulletin):
    today = workflow.local_today()
    b = make_bulletin("draft", valid_from=today.isoformat(), valid_until=today.isoformat())
    workflow.submit(session, b, users["vanhoa"])
    workflow.approve(session, b, users["lanhdao"])
    assert b.status == "approved"


def test_api_answers_409_and_changes_nothing(runtime, demo, client, api_token, session, users, make_bulletin):
    b = _ended(make_bulletin, "submitted")
    session.commit()
    r = client.post(f"/api/v1/bulletins/{b.id}/approve", headers={"Authorization": f"Bearer {api_token('lanhdao')}"})
    assert r.status_code == 409
    assert r.get_json()["error"]["code"] == "window_ended"
    assert "Thời hạn phát của tin đã hết" in r.get_json()["error"]["message"]
    session.expire_all()
    assert session.get(Bulletin, b.id).status == "submitted"
    # created with submit: true and an ended window: refused, nothing stored
    today = workflow.local_today()
    before = session.scalar(select(Bulletin.id).order_by(Bulletin.id.desc()))
    r = client.post(
        "/api/v1/bulletins",
        headers={"Authorization": f"Bearer {api_token('vanhoa')}"},
        json={
            "title": "Tin cũ",
            "body": "Nội dung",
            "category": "thong-bao",
            "priority": "normal",
            "valid_from": (today - timedelta(days=3)).isoformat(),
            "valid_until": (today - timedelta(days=2)).isoformat(),
            "airings": 1,
            "submit": True,
        },
    )
    assert r.status_code == 409
    assert session.scalar(select(Bulletin.id).order_by(Bulletin.id.desc())) == before


def test_page_shows_the_message(demo, login_as, session, users, make_bulletin):
    b = _ended(make_bulletin, "draft")
    session.commit()
    client = login_as("vanhoa")
    html = client.get(f"/bulletins/{b.id}").get_data(as_text=True)
    r = client.post(f"/bulletins/{b.id}/action/submit", data={"csrf_token": csrf_from(html)}, follow_redirects=True)
    assert "Thời hạn phát của tin đã hết" in r.get_data(as_text=True)
    session.expire_all()
    assert session.get(Bulletin, b.id).status == "draft"


def test_expire_overdue_moves_only_ended_approved_and_scheduled(session, users, make_bulletin):
    ended_approved = _ended(make_bulletin, "approved")
    ended_scheduled = _ended(make_bulletin, "scheduled")
    ended_draft = _ended(make_bulletin, "draft")
    open_approved = make_bulletin("approved")
    expired = workflow.expire_overdue(session)
    assert {b.id for b in expired} == {ended_approved.id, ended_scheduled.id}
    assert (ended_approved.status, ended_scheduled.status, ended_draft.status, open_approved.status) == (
        "expired",
        "expired",
        "draft",
        "approved",
    )
    rows = session.scalars(select(AuditLog).where(AuditLog.action == "bulletin.expire")).all()
    assert len(rows) == 2 and all(r.user_id is None and "Hết thời hạn phát" in r.detail["reason"] for r in rows)
    assert workflow.expire_overdue(session) == []  # idempotent


def test_build_button_expires_first(demo, login_as, runtime, session, users, make_bulletin):
    b = _ended(make_bulletin, "approved")
    session.commit()
    client = login_as("vanhanh")
    html = client.get("/programmes?station=MOLAO").get_data(as_text=True)
    client.post(
        "/programmes/build",
        data={
            "csrf_token": csrf_from(html),
            "station": "MOLAO",
            "date": (workflow.local_today() + timedelta(days=30)).isoformat(),
        },
    )
    session.expire_all()
    assert session.get(Bulletin, b.id).status == "expired"


def test_scheduler_expires_once_a_day(runtime, demo, session, users, make_bulletin):
    from broadcast.playout.service import PlayoutService

    b = _ended(make_bulletin, "approved")
    session.commit()
    service = PlayoutService(runtime)
    assert service.expire_bulletins() == 1
    session.expire_all()
    assert session.get(Bulletin, b.id).status == "expired"
    again = _ended(make_bulletin, "approved")
    session.commit()
    assert service.expire_bulletins() == 0  # already done today
    service._expired_on = None
    assert service.expire_bulletins() == 1 and again.id
