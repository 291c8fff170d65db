"""Every route requires the right role.

The test enumerates the Flask URL map, so a page or endpoint added later is
checked too: it must declare its roles (``roles_required`` /
``api_roles_required``), refuse anonymous callers, answer 403 to every role
it does not allow, and let every role it allows past the check.
"""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.routing import IntegerConverter, Rule

from tests.conftest import login

ROLES = ("admin", "operator", "approver", "submitter", "viewer")
USER_OF_ROLE = {"admin": "admin", "operator": "vanhanh", "approver": "lanhdao", "submitter": "vanhoa", "viewer": "xem"}
PUBLIC = {"static", "healthz", "admin.login", "admin.logout", "api.openapi_document"}
# The ward's public channels (web/public): anonymous by design, read-only, tested below.
PUBLIC_BLUEPRINT = "public."
# Reachable by anyone logged in (the decorator is called with no roles).
ANY_LOGGED_IN = "any"


def _view_roles(app, endpoint):
    view = app.view_functions[endpoint]
    return getattr(view, "allowed_roles", None)


def _fill(rule: Rule) -> str:
    values = {}
    for arg in rule.arguments:
        if isinstance(rule._converters[arg], IntegerConverter):
            values[arg] = 1
        elif "date" in arg or "day" in arg:
            values[arg] = date.today().isoformat()
        elif arg in ("code", "station", "station_code", "ward"):
            values[arg] = "MOLAO"
        elif "period" in arg:
            values[arg] = date.today().strftime("%Y-%m")
        else:
            values[arg] = "x"
    return rule.build(values, append_unknown=False)[1]


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC or rule.endpoint.startswith(PUBLIC_BLUEPRINT):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_declares_its_roles(app):
    undeclared = [f"{r.rule} ({r.endpoint})" for r, _ in _routes(app) if _view_roles(app, r.endpoint) is None]
    assert undeclared == [], "routes without roles_required/api_roles_required: " + ", ".join(undeclared)


def test_anonymous_is_refused_everywhere(app, client, demo):
    app.config["WTF_CSRF_ENABLED"] = False  # reach the login check, not the CSRF one
    for rule, method in _routes(app):
        response = client.open(_fill(rule), method=method)
        if rule.endpoint.startswith("api."):
            assert response.status_code == 401, (method, rule.rule, response.status_code)
        else:
            assert response.status_code in (302, 401), (method, rule.rule, response.status_code)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"]


def test_the_public_channels_are_read_only_and_never_ask_for_a_login(app, client, demo):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith(PUBLIC_BLUEPRINT)]
    assert rules, "the public blueprint has no routes"
    for rule in rules:
        assert rule.methods - {"HEAD", "OPTIONS"} == {"GET"}, (rule.rule, rule.methods)
        response = client.get(_fill(rule))
        assert response.status_code in (200, 404), (rule.rule, response.status_code)
        assert "/login" not in response.headers.get("Location", "")


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(app, demo, api_token, role):
    client = app.test_client()
    assert login(client, USER_OF_ROLE[role], demo["password"]).status_code == 302
    token = api_token(USER_OF_ROLE[role])
    app.config["WTF_CSRF_ENABLED"] = False  # the matrix is about roles; CSRF has its own tests
    problems = []
    for rule, method in _routes(app):
        allowed = _view_roles(app, rule.endpoint)
        # Device-only routes (web/api/agent.py, ``device_only``) take a station device's token, never a user's:
        # every role, admin included, gets 403 there; the device side is tested in tests/network.
        device_only = getattr(app.view_functions[rule.endpoint], "device_only", False)
        # Province-only routes (``province_required``) refuse every ward user, the demo's ward admin included;
        # a province admin passes them (test_province_admin_passes_the_province_routes).
        province_only = getattr(app.view_functions[rule.endpoint], "province_only", False)
        may = not device_only and not province_only and (role == "admin" or not allowed or role in allowed)
        headers = {"Authorization": f"Bearer {token}"} if rule.endpoint.startswith("api.") else {}
        response = client.open(_fill(rule), method=method, headers=headers)
        if may and response.status_code == 403:
            problems.append(f"{role} refused at {method} {rule.rule}")
        if not may and response.status_code != 403:
            problems.append(f"{role} got {response.status_code} at {method} {rule.rule}, expected 403")
        if response.status_code >= 500:
            problems.append(f"{role} caused {response.status_code} at {method} {rule.rule}")
    assert problems == []


def test_province_admin_passes_the_province_routes(app, demo):
    client = app.test_client()
    assert login(client, "tinh.admin", demo["password"]).status_code == 302
    app.config["WTF_CSRF_ENABLED"] = False
    province_routes = [
        (rule, method)
        for rule, method in _routes(app)
        if getattr(app.view_functions[rule.endpoint], "province_only", False)
    ]
    assert province_routes, "no route is marked province_only"
    for rule, method in province_routes:
        response = client.open(_fill(rule), method=method)
        assert response.status_code not in (401, 403) and response.status_code < 500, (method, rule.rule)


def test_every_state_changing_page_route_requires_a_csrf_token(app, demo):
    """Logged in as admin (who passes every role check), a form post without its token is refused."""
    client = app.test_client()
    assert login(client, "admin", demo["password"]).status_code == 302
    app.config["WTF_CSRF_ENABLED"] = True
    checked = []
    for rule, method in _routes(app):
        if rule.endpoint.startswith("api.") or method in ("GET",):
            continue
        response = client.open(_fill(rule), method=method, data={"x": "1"})
        assert response.status_code == 400, (method, rule.rule, response.status_code)
        checked.append(rule.rule)
    assert len(checked) >= 10  # the admin pages have many forms; an empty list would prove nothing


# Pages whose roles are part of their design, beyond "declared": reading device health is for the people who
# run, lead or watch the network; sending a device a command is the operator's (admin always passes).
DESIGNED_ROLES = {
    "admin.devices": ("operator", "approver", "viewer"),
    "admin.device_detail": ("operator", "approver", "viewer"),
    "admin.device_command": ("operator",),
    # Upstream sources: operators manage and check them; leaders and viewers look (web/admin/sources.py).
    "admin.sources": ("operator", "approver", "viewer"),
    "admin.source_add": ("operator",),
    "admin.source_edit": ("operator",),
    "admin.source_enabled": ("operator",),
    "admin.source_check": ("operator",),
    "api.sources": ("operator", "approver", "viewer"),
    "api.source_add": ("operator",),
    "api.source_update": ("operator",),
    "api.source_check": ("operator",),
    # Live broadcasts: the station's operator and the leader speak; submitters and viewers never go on air.
    **dict.fromkeys(
        (
            "admin.live_page",
            "admin.live_start",
            "admin.live_chunk",
            "admin.live_stop",
            "admin.live_status",
            "admin.live_recording",
            "admin.live_rebroadcast",
            "admin.relay_recording_audio",
            "admin.relay_rebroadcast",
            "api.live_start",
            "api.live_chunk",
            "api.live_stop",
            "api.live_state",
        ),
        ("operator", "approver"),
    ),
    # Publishing: operators see the ward's links and print posters; only an admin changes who may frame the
    # player; the per-bulletin public choice belongs to whoever reviews it (the view checks that further).
    "admin.publishing": ("operator",),
    "admin.publishing_save": ("admin",),
    "admin.cluster_poster": ("operator",),
    "admin.ward_posters": ("operator",),
    "admin.bulletin_public": ("approver", "operator"),
    # Province (issue #13): wards and the province's name belong to its admin (and province_required);
    # a station is added by an admin (of its ward, or of the province choosing the ward); the upward export
    # is read by those who report and lead.
    "admin.wards": ("admin",),
    "admin.ward_add": ("admin",),
    "admin.province_save": ("admin",),
    "admin.station_add": ("admin",),
    "api.export_province": ("viewer", "approver"),
    # Province bulletins sent down: the ward's operator decides (accept, decline, order); leaders and viewers
    # read the queue; anyone who may see the bulletin reads its delivery board (the view narrows the rows).
    "admin.delivery_queue": ("operator", "approver", "viewer"),
    "admin.delivery_accept": ("operator",),
    "admin.delivery_decline": ("operator",),
    "admin.delivery_position": ("operator",),
    "api.delivery_accept": ("operator",),
    "api.delivery_decline": ("operator",),
    "api.delivery_position": ("operator",),
}


def test_designed_roles(app):
    assert {endpoint: _view_roles(app, endpoint) for endpoint in DESIGNED_ROLES} == DESIGNED_ROLES
