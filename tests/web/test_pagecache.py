"""web.pagecache: the dashboard's panels come from memory until the next commit (by any connection) or
TTL_S seconds, per user; the live panel (what is on air) is computed on every visit."""

from __future__ import annotations

import re

from sqlalchemy import select

from broadcast.domain.models import Bulletin
from tests.bulletins.fast import fast_hashing  # noqa: F401  (autouse)
from tests.conftest import login
from tests.querycount import count_queries
from web import pagecache

COUNTS_SQL = "SELECT bulletins.status, count(*)"  # the bulletin panel's own statement
LIVE_SQL = "FROM playout_runs"  # the on-air panel reads the running playouts


def _visit(client, runtime) -> tuple[str, list[str]]:
    with count_queries(runtime.engine) as counter:
        response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True), counter.statements


def _ran(statements: list[str], fragment: str) -> bool:
    return any(fragment in s for s in statements)


def _waiting(html: str) -> int:
    return int(re.search(r"Chờ duyệt</a>: <strong>(\d+)</strong>", html).group(1))


def _submit_one_draft(runtime) -> None:
    with runtime.unit() as s:
        draft = s.scalars(select(Bulletin).where(Bulletin.status == "draft").order_by(Bulletin.id)).first()
        draft.status = "submitted"


def test_a_second_visit_reuses_the_panels_but_not_the_live_one(login_as, runtime):
    client = login_as("vanhanh")
    first, first_sql = _visit(client, runtime)
    again, again_sql = _visit(client, runtime)
    assert _ran(first_sql, COUNTS_SQL) and not _ran(again_sql, COUNTS_SQL)
    assert _ran(again_sql, LIVE_SQL), "what is on air must be read on every visit"
    assert len(again_sql) < len(first_sql)
    assert _waiting(again) == _waiting(first)


def test_a_commit_by_another_connection_shows_on_the_next_visit(login_as, runtime):
    client = login_as("vanhanh")
    before, _ = _visit(client, runtime)
    _submit_one_draft(runtime)
    after, statements = _visit(client, runtime)
    assert _ran(statements, COUNTS_SQL)
    assert _waiting(after) == _waiting(before) + 1


def test_panels_are_built_again_after_the_ttl(login_as, runtime, monkeypatch):
    class Clock:
        now = 1000.0

        @classmethod
        def monotonic(cls):
            return cls.now

    monkeypatch.setattr(pagecache, "time", Clock)
    client = login_as("vanhanh")
    _visit(client, runtime)
    Clock.now += pagecache.TTL_S - 1
    assert not _ran(_visit(client, runtime)[1], COUNTS_SQL)
    Clock.now += 2
    assert _ran(_visit(client, runtime)[1], COUNTS_SQL), "a panel may depend on the clock alone"


def test_each_user_gets_their_own_panels(login_as, app, runtime):
    operator = login_as("vanhanh")
    _visit(operator, runtime)
    submitter = app.test_client()
    assert login(submitter, "mttq").status_code == 302
    html, statements = _visit(submitter, runtime)
    assert _ran(statements, COUNTS_SQL), "another user's panels are never served from the operator's"
    assert "tin chờ duyệt" not in html  # a submitter has no approval headline


# --- the API's bulletin list ---------------------------------------------------------------------------------

LIST_SQL = "FROM bulletins"


def _api(client, runtime, token: str, query: str = ""):
    with count_queries(runtime.engine) as counter:
        response = client.get(f"/api/v1/bulletins{query}", headers={"Authorization": f"Bearer {token}"})
    return response, counter.statements


def test_the_api_list_is_served_from_memory_until_a_commit(client, runtime, api_token):
    token = api_token("vanhanh")
    first, _ = _api(client, runtime, token, "?status=submitted")
    again, statements = _api(client, runtime, token, "?status=submitted")
    assert again.get_json() == first.get_json() and again.mimetype == "application/json"
    assert not _ran(statements, LIST_SQL)
    assert _ran(statements, "FROM api_tokens"), "the token is checked on every request"
    _submit_one_draft(runtime)
    after, statements = _api(client, runtime, token, "?status=submitted")
    assert _ran(statements, LIST_SQL)
    assert after.get_json()["total"] == first.get_json()["total"] + 1


def test_the_api_list_keeps_users_and_queries_apart(client, runtime, api_token):
    operator, submitter = api_token("vanhanh"), api_token("mttq")
    seen = _api(client, runtime, operator)[0].get_json()["total"]
    assert _api(client, runtime, submitter)[0].get_json()["total"] < seen
    one = _api(client, runtime, operator, "?per_page=1")[0].get_json()
    assert len(one["items"]) == 1 and one["total"] == seen


def test_a_bad_query_is_refused_every_time_and_a_revoked_token_at_once(client, runtime, api_token):
    token = api_token("vanhanh")
    for _ in range(2):
        response, _ = _api(client, runtime, token, "?per_page=0")
        assert response.status_code == 400 and response.get_json()["error"]["field"] == "per_page"
    assert _api(client, runtime, token)[0].status_code == 200
    with runtime.unit() as s:
        from broadcast.security import revoke_token

        revoke_token(s, token[:10])
    assert _api(client, runtime, token)[0].status_code == 401
