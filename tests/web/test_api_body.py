"""Every JSON-reading API endpoint reads its body through web.api.body.json_body: an over-deep body is a
Vietnamese 400 (never a RecursionError 500), a wrong Content-Type a 415, and nothing is written."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from broadcast.domain.models import AuditLog, Bulletin, Station, User
from web.api.body import MAX_JSON_DEPTH, json_depth_exceeds

# (method, path, user): one row per endpoint that reads a JSON body.
JSON_ENDPOINTS = [
    ("post", "/bulletins", "vanhoa"),
    ("patch", "/bulletins/{id}", "tuphap"),
    ("post", "/bulletins/{id}/submit", "tuphap"),
    ("post", "/bulletins/{id}/approve", "lanhdao"),
    ("post", "/bulletins/{id}/reject", "lanhdao"),
    ("post", "/bulletins/{id}/withdraw", "tuphap"),
    ("post", "/bulletins/{id}/comments", "tuphap"),
    ("put", "/lexicon/UBND", "vanhanh"),
    ("post", "/normalize", "vanhoa"),
    ("post", "/playout/commands", "vanhanh"),
    ("post", "/playout/confirm", "vanhanh"),
    ("post", "/devices/LOA01/commands", "vanhanh"),
    ("post", "/agent/asrun", "device"),
    ("post", "/agent/status", "device"),
    ("post", "/agent/commands/1/ack", "device"),
    ("post", "/sources", "vanhanh"),
    ("patch", "/sources/TINH", "vanhanh"),
    ("post", "/live", "vanhanh"),
    ("post", "/deliveries/{id}/accept", "vanhanh"),
    ("post", "/deliveries/{id}/decline", "vanhanh"),
    ("post", "/deliveries/{id}/position", "vanhanh"),
]


def _deep(levels: int) -> str:
    return '{"a": ' * levels + "1" + "}" * levels


@pytest.fixture
def device_token(runtime, demo):
    """Device LOA01 of MOLAO, which then airs through its own agents (web/api/agent.py)."""
    from broadcast.network.devices import add_device

    with runtime.unit() as s:
        s.scalar(select(Station).where(Station.code == "MOLAO")).sink = "agent"
        s.flush()
        _device, token = add_device(s, "LOA01", "MOLAO")
    return token


@pytest.fixture
def call(client, api_token, demo, session, device_token):
    own = session.scalar(
        select(Bulletin.id).join(Bulletin.author).where(User.username == "tuphap").order_by(Bulletin.id)
    )

    def _call(method, path, user, body, content_type="application/json"):
        token = device_token if user == "device" else api_token(user)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
        return getattr(client, method)("/api/v1" + path.format(id=own), data=body, headers=headers)

    return _call


def _writes(session) -> tuple[int, int]:
    session.expire_all()
    return session.scalar(select(func.count(AuditLog.id))), session.scalar(select(func.max(Bulletin.version)))


@pytest.mark.parametrize(("method", "path", "user"), JSON_ENDPOINTS)
@pytest.mark.parametrize("levels", [MAX_JSON_DEPTH + 1, 100_000])
def test_over_deep_json_is_a_vietnamese_400(call, session, method, path, user, levels):
    before = _writes(session)
    response = call(method, path, user, _deep(levels))
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.json["error"]["code"] == "malformed_json"
    assert "lồng nhau quá sâu" in response.json["error"]["message"]
    assert _writes(session) == before


@pytest.mark.parametrize(("method", "path", "user"), JSON_ENDPOINTS)
def test_json_endpoints_want_json(call, method, path, user):
    response = call(method, path, user, "station=MOLAO", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json["error"]["code"] == "unsupported_media_type"


def test_depth_is_counted_outside_strings():
    assert not json_depth_exceeds(b'{"t": "' + b"[{" * 100 + b'\\" ]"}')
    assert json_depth_exceeds(b'{"t\\\\": ' + b"[" * (MAX_JSON_DEPTH + 1))
    assert not json_depth_exceeds(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)


def test_a_body_at_the_limit_still_reaches_the_endpoint(call):
    body = '{"text": "UBND", "lexicon": ' + _deep(MAX_JSON_DEPTH - 1) + "}"
    response = call("post", "/normalize", "vanhoa", body)
    assert response.status_code == 400
    assert response.json["error"]["field"] == "lexicon"  # the endpoint's own check, not the reader's


# API routes that change something but read no JSON body (a file upload, or nothing at all).
NO_JSON = {
    ("post", "/bulletins/<int:bulletin_id>/recording"),
    ("post", "/stations/<code>/programmes/<date>/build"),
    ("delete", "/lexicon/<path:term>"),
    ("post", "/sources/<code>/check"),
    ("post", "/live/<int:live_id>/chunk"),  # the microphone's bytes
    ("post", "/live/<int:live_id>/stop"),
}


def test_every_writing_endpoint_is_listed_here(app):
    listed = {(m, re.sub(r"\{id\}|\d+|UBND|LOA01|TINH", "*", p)) for m, p, _u in JSON_ENDPOINTS}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            route = (method.lower(), rule.rule[len("/api/v1") :])
            if route in NO_JSON:
                continue
            assert (route[0], re.sub(r"<[^>]+>", "*", route[1])) in listed, route
