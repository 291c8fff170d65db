"""The tenancy matrix: every route (pages and API) × role × (own ward, other ward, province).

Like tests/web/test_route_permissions.py the routes come from the Flask URL map, so a route added later is
checked too.  Path parameters are filled with the real ids and codes of one ward's marked objects
(tests/tenancy/conftest.py), or with ids and codes that exist nowhere.  For each role:

- a ward user naming another ward's object gets exactly the answer a missing object gets (404, a 403 where
  the role may not, a page's redirect with its message), never a success and never a 5xx, and the response
  carries nothing of the other ward (its marker, its station or device code);
- a request that would change something changes nothing in the database;
- a ward user's lists show nothing of the other ward; a province user's main lists show both wards;
- a ward user and a province user get the same answer for the ward's own objects.

Every problem is collected and the test fails once, listing them all (module, method, route, who).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from broadcast.domain.models import Base
from tests.conftest import login

from .conftest import MARK_OTHER, MARK_OWN, ROLES, WardWorld, World

SKIPPED = {"static", "healthz", "admin.login", "admin.logout", "api.openapi_document"}
PUBLIC_BLUEPRINT = "public."
MISSING_ID = 987654
MISSING_CODE = "KHONGCOZZ"
# Owner-only objects: a live session is its speaker's (an admin's anywhere), so another user of the same
# ward, or of the province, is told "not found" by design (broadcast.live.sessions.get_own).
OWNER_ONLY = ("admin.live_", "api.live_")
# Main lists that a province user of these roles must see both wards in (admin passes everywhere).
PROVINCE_LISTS = {
    "admin.bulletin_list": ("admin", "operator", "approver", "viewer"),
    "api.bulletin_list": ("admin", "operator", "approver", "viewer"),
    "admin.stations": ("admin", "operator"),
    "api.stations": ROLES,
    "admin.users": ("admin",),
    "admin.devices": ("admin", "operator", "approver", "viewer"),
    "api.devices": ("admin", "operator", "approver", "viewer"),
    "admin.audit_log": ("admin", "approver"),
}
# Path parameters that name no ward's object.
NOT_OBJECTS = {"kind"}
# Columns a request may touch without changing anything of substance.
VOLATILE_COLUMNS = {"last_login_at", "last_used_at"}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED or rule.endpoint.startswith(PUBLIC_BLUEPRINT):
            continue
        if getattr(app.view_functions[rule.endpoint], "device_only", False):
            continue  # a station device's token only (tests/network)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _bulletin_for(rule, method: str) -> str:
    """Which of the ward's bulletins a route is called with: one it could act on."""
    if "approve" in rule.endpoint or "reject" in rule.endpoint or "action" in rule.endpoint:
        return "submitted"
    return "approved" if method == "GET" else "draft"


def _code_for(rule, w: WardWorld | None) -> str:
    if w is None:
        return MISSING_CODE
    if "/devices/" in rule.rule:
        return w.device_code
    if "/sources/" in rule.rule:
        return w.source_code
    return w.station_code


def _fill(rule, method: str, w: WardWorld | None) -> str:
    """The route's URL with ward ``w``'s objects, or (``w`` None) with objects that exist nowhere."""
    ids = {
        "bulletin_id": w.bulletins[_bulletin_for(rule, method)] if w else MISSING_ID,
        "station_id": w.station_id if w else MISSING_ID,
        "override_id": w.override_id if w else MISSING_ID,
        "live_id": w.live_id if w else MISSING_ID,
        "row_id": w.relay_row_id if w else MISSING_ID,
        "programme_id": w.programme_id if w else MISSING_ID,
        "item_id": w.item_id if w else MISSING_ID,
        "plan_id": w.plan_id if w else MISSING_ID,
        "command_id": w.playout_command_id if w else MISSING_ID,
        "delivery_id": w.delivery_id if w else MISSING_ID,
    }
    values = {}
    for arg in rule.arguments:
        if arg in ids:
            values[arg] = ids[arg]
        elif arg == "code":
            values[arg] = _code_for(rule, w)
        elif arg in ("ward", "ward_code", "station_code"):
            values[arg] = (w.station_code if arg == "station_code" else w.ward_code) if w else MISSING_CODE
        elif arg == "cluster_code":
            values[arg] = w.cluster_codes[0] if w else MISSING_CODE
        elif arg == "term":
            values[arg] = w.lexicon_term if w else "khongcozz"
        elif arg == "date":
            values[arg] = date.today().isoformat()
        elif arg == "period":
            values[arg] = date.today().strftime("%Y-%m")
        elif arg == "name":
            values[arg] = "approve"
        elif arg == "kind":
            values[arg] = "categories"
        else:
            raise AssertionError(f"the matrix does not know how to fill <{arg}> of {rule.rule}: teach _fill")
    return rule.build(values, append_unknown=False)[1]


def _payload(w: WardWorld) -> dict:
    """A body plausible for most forms and endpoints, naming the acting user's own ward, so a refusal is
    about the object in the path."""
    return {
        "reason": "Lý do kiểm thử",
        "comment": "Ý kiến kiểm thử",
        "body": "Nội dung kiểm thử",
        "title": "Tiêu đề kiểm thử",
        "spoken": "đọc thử",
        "action": "stop",
        "direction": "up",
        "position": 0,
        "enabled": "0",
        "locked": "1",
        "kind": "holiday",
        "on_date": date.today().isoformat(),
        "sink": "null",
        "name": "Tên kiểm thử",
        "url": "http://127.0.0.1:9/kiem-thu",
        "volume": 50,
        "text": "kiểm thử",
        "station": w.station_code,
        "stations": [w.station_code],
        "session": "sang",
        "date": date.today().isoformat(),
    }


class Caller:
    """A logged-in user: pages through the session cookie, the API with a bearer token."""

    def __init__(self, app, api_token, username: str, password: str, ward: WardWorld | None):
        self.username, self.ward = username, ward
        self.client = app.test_client()
        assert login(self.client, username, password).status_code == 302, username
        self.token = api_token(username)

    def open(self, rule, url: str, method: str, body: dict | None = None):
        api = rule.endpoint.startswith("api.")
        kwargs = {"headers": {"Authorization": f"Bearer {self.token}"}} if api else {}
        if body is not None and method != "GET":
            kwargs["json" if api else "data"] = body
        return self.client.open(url, method=method, **kwargs)


def snapshot(engine) -> dict:
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            cols = [c for c in table.c if c.name not in VOLATILE_COLUMNS]
            out[table.name] = sorted(repr(tuple(r)) for r in conn.execute(select(*cols)))
    return out


class Matrix:
    def __init__(self, app, runtime, world: World, role: str, api_token):
        password = world.password
        self.app, self.engine, self.world, self.role = app, runtime.engine, world, role
        self.own = Caller(app, api_token, world.own.users[role], password, world.own)
        self.other = Caller(app, api_token, world.other.users[role], password, world.other)
        self.province = Caller(app, api_token, world.province_users[role], password, None)
        app.config["WTF_CSRF_ENABLED"] = False  # after the logins: the matrix is about wards, CSRF has its tests
        self.problems: list[str] = []

    def problem(self, rule, method: str, who: Caller, text: str) -> None:
        module = self.app.view_functions[rule.endpoint].__module__
        self.problems.append(f"{module}: {method} {rule.rule} [{self.role} {who.username}] {text}")

    def leaks(self, response, foreign: WardWorld, url: str = "") -> list[str]:
        """The other ward's words in the response, less what the caller wrote in the URL (an error message
        may repeat the code asked for, as it does for a code that exists nowhere)."""
        data = response.get_data()
        for asked in url.strip("/").split("/"):
            if len(asked) > 3:
                data = data.replace(asked.encode(), b"")
        words = {foreign.marker, foreign.device_code, foreign.source_code, foreign.lexicon_term}
        if foreign.station_code != "MOLAO":  # "MOLAO" is also in the demo ward's own name and code
            words.add(foreign.station_code)
        return sorted(w for w in words if w.encode() in data)

    def hidden(self, rule, method: str, who: Caller, foreign: WardWorld, body: dict | None) -> None:
        """``who`` names ``foreign``'s object: the answer must be the one for a missing object."""
        url = _fill(rule, method, foreign)
        missing = who.open(rule, _fill(rule, method, None), method, body)
        before = snapshot(self.engine) if method != "GET" else None
        answer = who.open(rule, url, method, body)
        if before is not None:
            changed = [t for t, rows in snapshot(self.engine).items() if rows != before[t]]
            if changed:
                self.problem(rule, method, who, f"changed {', '.join(changed)} (status {answer.status_code})")
        if answer.status_code >= 500 or 200 <= answer.status_code < 300:
            self.problem(rule, method, who, f"{answer.status_code} on another ward's object")
        elif answer.status_code != missing.status_code:
            self.problem(
                rule,
                method,
                who,
                f"{answer.status_code} on another ward's object, {missing.status_code} on a missing one",
            )
        found = self.leaks(answer, foreign, url)
        if found:
            self.problem(rule, method, who, f"response shows the other ward's {found}")

    def same_as_province(self, rule, who: Caller, w: WardWorld) -> None:
        """A ward user and a province user of the same role get the same answer about the ward's object."""
        if rule.endpoint.startswith(OWNER_ONLY) or self.role == "submitter":
            return  # a submitter sees their own department's bulletins: the province's is another
        url = _fill(rule, "GET", w)
        mine, theirs = who.open(rule, url, "GET"), self.province.open(rule, url, "GET")
        for caller, r in ((who, mine), (self.province, theirs)):
            if r.status_code >= 500:
                self.problem(rule, "GET", caller, f"{r.status_code} on ward {w.ward_code}'s object")
        if mine.status_code != theirs.status_code:
            self.problem(
                rule,
                "GET",
                self.province,
                f"{theirs.status_code} on ward {w.ward_code}'s object where its ward user gets {mine.status_code}",
            )

    def list_page(self, rule) -> None:
        url = _fill(rule, "GET", self.world.own)  # a list, or a chart or page named by a kind, not an object
        for who, foreign in ((self.own, self.world.other), (self.other, self.world.own)):
            r = who.open(rule, url, "GET")
            if r.status_code >= 500:
                self.problem(rule, "GET", who, f"{r.status_code}")
            found = self.leaks(r, foreign)
            if found:
                self.problem(rule, "GET", who, f"list shows the other ward's {found}")
        if self.role in PROVINCE_LISTS.get(rule.endpoint, ()):
            r = self.province.open(rule, url, "GET")
            if r.status_code != 200 or MARK_OTHER.encode() not in r.get_data():
                self.problem(rule, "GET", self.province, f"{r.status_code}, province list lacks ward KHACXA")

    def run(self) -> list[str]:
        for rule, method in _routes(self.app):
            if not rule.arguments - NOT_OBJECTS:
                if method == "GET":
                    self.list_page(rule)
                continue
            if method == "GET":
                self.hidden(rule, method, self.own, self.world.other, None)
                self.hidden(rule, method, self.other, self.world.own, None)
                self.same_as_province(rule, self.own, self.world.own)
                self.same_as_province(rule, self.other, self.world.other)
            else:
                self.hidden(rule, method, self.own, self.world.other, _payload(self.world.own))
                self.hidden(rule, method, self.other, self.world.own, _payload(self.world.other))
        return self.problems


@pytest.mark.parametrize("role", ROLES)
def test_tenancy_matrix(app, runtime, province, api_token, role):
    problems = Matrix(app, runtime, province, role, api_token).run()
    assert problems == [], f"{len(problems)} tenancy problems:\n" + "\n".join(problems)


def test_the_matrix_knows_every_route_parameter(app, province):
    """A new route parameter must be taught to _fill (with a real object of each ward), not left out."""
    for rule, method in _routes(app):
        for w in (province.own, province.other, None):
            assert _fill(rule, method, w).startswith("/")


def test_markers_are_where_the_matrix_looks_for_them(runtime, province):
    """The leak check is only as good as its markers: the other ward's rows do carry them."""
    from broadcast.domain.models import Bulletin, Station

    with runtime.unit() as s:
        station = s.get(Station, province.other.station_id)
        assert MARK_OTHER in station.name and MARK_OTHER in station.ward.name
        titles = s.scalars(select(Bulletin.title).where(Bulletin.id.in_(province.other.bulletins.values())))
        assert all(MARK_OTHER in t for t in titles)
        own_titles = s.scalars(select(Bulletin.title).where(Bulletin.id.in_(province.own.bulletins.values())))
        assert all(MARK_OWN in t for t in own_titles)


# Another ward's object named in a query string or a body (not the path): (role, method, URL, body); the
# placeholders take the other ward's codes and ids, or ones that exist nowhere.
NAMED_ELSEWHERE = [
    ("operator", "GET", "/api/v1/devices?station={station}", None),
    ("operator", "GET", "/api/v1/reports/airtime?station={station}", None),
    ("operator", "GET", "/api/v1/airtime?station={station}", None),
    ("operator", "GET", "/api/v1/playout/status?station={station}", None),
    ("operator", "GET", "/api/v1/bulletins?department={dept}", None),
    ("operator", "POST", "/api/v1/playout/commands", {"station": "{station}", "action": "stop"}),
    ("operator", "POST", "/api/v1/live", {"stations": ["{station}"]}),
    ("operator", "POST", "/api/v1/bulletins", {"stations": ["{station}"], "department": "VHTT"}),
    ("operator", "POST", "/api/v1/bulletins", {"department": "{dept}"}),
    ("operator", "GET", "/programmes?station={station}", None),
    ("operator", "GET", "/programmes/week?station={station}", None),
    ("operator", "GET", "/programmes/export?station={station}&date={today}", None),
    ("operator", "GET", "/reports/airtime?station={station}", None),
    ("operator", "GET", "/reports/airtime?station=MOLAO&cluster={cluster}", None),
    ("operator", "GET", "/reports/airtime/download?station={station}&format=csv", None),
    ("operator", "POST", "/playout/command", {"station": "{station}", "action": "stop"}),
    ("operator", "POST", "/playout/confirm", {"programme": "{programme}"}),
    ("operator", "POST", "/programmes/build", {"station": "{station}", "date": "{today}"}),
    ("operator", "POST", "/voices/station", {"station": "{station}", "voice_choice": "espeak|vi"}),
    ("operator", "POST", "/live/start", {"stations": "{station}"}),
    ("operator", "POST", "/programmes/{own_programme}/insert", {"bulletin_id": "{bulletin}"}),
    ("operator", "POST", "/bulletins/new", {"stations": "{station}", "department": "VHTT"}),
    ("operator", "POST", "/lexicon/delete", {"term": "{term}"}),
    ("admin", "POST", "/admin/users", {"username": "moi.zz", "role": "viewer", "department": "{dept}"}),
    ("admin", "POST", "/admin/stations", {"station_id": "{station_id}", "name": "Đổi tên"}),
]
BULLETIN_FIELDS = {
    "title": "Tin kiểm thử",
    "body": "Nội dung kiểm thử.",
    "category": "cchc-tthc",
    "valid_from": date.today().isoformat(),
    "valid_until": date.today().isoformat(),
    "password": "loaphuong2025-moi",
}


def _named(template, w: WardWorld | None, own: WardWorld):
    values = {
        "station": w.station_code if w else MISSING_CODE,
        "dept": w.department_code if w else MISSING_CODE,
        "cluster": w.cluster_codes[0] if w else MISSING_CODE,
        "term": w.lexicon_term if w else "khongcozz",
        "bulletin": w.bulletins["approved"] if w else MISSING_ID,
        "station_id": w.station_id if w else MISSING_ID,
        "programme": w.programme_id if w else MISSING_ID,
        "own_programme": own.programme_id,
        "today": date.today().isoformat(),
    }
    if isinstance(template, str):
        return template.format_map(values)
    if isinstance(template, list):
        return [_named(v, w, own) for v in template]
    return {**BULLETIN_FIELDS, **{k: _named(v, w, own) for k, v in template.items()}}


def test_another_wards_object_named_in_a_query_or_body(app, runtime, province, api_token):
    """As for a path: the answer for a missing object, nothing changed, nothing of the other ward shown."""
    problems, o = [], province.other
    callers = {}
    for role in ("operator", "admin"):
        callers[role] = Caller(app, api_token, province.own.users[role], province.password, province.own)
    app.config["WTF_CSRF_ENABLED"] = False
    for role, method, url, body in NAMED_ELSEWHERE:
        who, api = callers[role], url.startswith("/api/")
        answers = []
        for w in (None, province.other):
            kwargs = {"headers": {"Authorization": f"Bearer {who.token}"}} if api else {}
            if body is not None:
                kwargs["json" if api else "data"] = _named(body, w, province.own)
            before = snapshot(runtime.engine)
            r = who.client.open(_named(url, w, province.own), method=method, follow_redirects=not api, **kwargs)
            changed = [t for t, rows in snapshot(runtime.engine).items() if rows != before[t]]
            answers.append(r.status_code)
            if w is not None:
                label = f"{method} {url} {body or ''} [{role}]"
                if changed:
                    problems.append(f"{label}: changed {', '.join(changed)}")
                data = r.get_data()
                for asked in (o.station_code, o.department_code, o.lexicon_term, o.cluster_codes[0]):
                    data = data.replace(asked.encode(), b"")
                if MARK_OTHER.encode() in data or province.other.device_code.encode() in data:
                    problems.append(f"{label}: shows the other ward's objects")
                if r.status_code >= 500 or answers[0] != answers[1]:
                    problems.append(f"{label}: {answers[1]} where a missing object gets {answers[0]}")
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)
