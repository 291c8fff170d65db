"""The app factory, login, health check, token auth and security headers."""

from sqlalchemy import select

from broadcast.domain.models import AuditLog
from tests.conftest import csrf_from, login


def test_healthz_without_auth(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_login_page_in_vietnamese_with_csrf(client):
    page = client.get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Đăng nhập" in html
    assert csrf_from(html)


def test_dashboard_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_and_logout_are_audited(client, demo, session):
    response = login(client, "vanhanh", demo["password"])
    assert response.status_code == 302
    dashboard = client.get("/")
    assert dashboard.status_code == 200 and "Nguyễn Văn Hạnh" in dashboard.get_data(as_text=True)
    token = csrf_from(dashboard.get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    actions = list(session.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions[-2:] == ["auth.login", "auth.logout"]


def test_wrong_password_is_refused_and_audited(client, demo, session):
    response = login(client, "vanhanh", "sai-mat-khau")
    assert response.status_code == 401
    assert "không đúng" in response.get_data(as_text=True)
    assert session.scalar(select(AuditLog.action).order_by(AuditLog.id.desc())) == "auth.login_failed"


def test_login_without_csrf_token_is_refused(client, demo):
    response = client.post("/login", data={"username": "vanhanh", "password": demo["password"]})
    assert response.status_code in (200, 400)
    assert client.get("/").status_code == 302


def test_open_redirect_after_login_is_ignored(client, demo):
    page = client.get("/login")
    response = client.post(
        "/login?next=//evil.example/x",
        data={
            "username": "vanhanh",
            "password": demo["password"],
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert response.headers["Location"] == "/"


def test_security_headers(client):
    headers = client.get("/login").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_flags(client, demo):
    response = login(client, "vanhanh", demo["password"])
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_api_requires_bearer_token(client, demo):
    response = client.get("/api/v1/categories")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    bad = client.get("/api/v1/categories", headers={"Authorization": "Bearer lp_wrong"})
    assert bad.status_code == 401 and bad.json["error"]["code"] == "invalid_token"


def test_api_reference_lists(client, api_token):
    headers = {"Authorization": f"Bearer {api_token('vanhoa')}"}
    cats = client.get("/api/v1/categories", headers=headers).json["items"]
    assert {"code": "cchc-tthc"}.items() <= cats[1].items()
    depts = client.get("/api/v1/departments", headers=headers).json["items"]
    assert any(d["code"] == "VHTT" for d in depts)
    stations = client.get("/api/v1/stations", headers=headers).json["items"]
    assert stations == [{"code": "MOLAO", "name": "Đài truyền thanh phường Mộ Lao", "enabled": True, "clusters": 17}]


def test_language_switch_sticks_and_sets_html_lang(client):
    english = client.get("/login?lang=en")
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "lang=en" in english.headers.get("Set-Cookie", "")
    again = client.get("/login")
    assert '<html lang="en">' in again.get_data(as_text=True)
    back = client.get("/login?lang=vi")
    assert '<html lang="vi">' in back.get_data(as_text=True) and "Đăng nhập" in back.get_data(as_text=True)


def test_api_routing_errors_are_json(client, api_token):
    headers = {"Authorization": f"Bearer {api_token('vanhanh')}"}
    for path in ("/api/v1/no-such-thing", "/api/v1/playout/commands/-5", "/api/v1/bulletins/abc"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404 and response.is_json, path
        assert response.json["error"]["code"] == "not_found"
    wrong_method = client.delete("/api/v1/categories", headers=headers)
    assert wrong_method.status_code == 405 and wrong_method.json["error"]["code"] == "method_not_allowed"
    page = client.get("/no-such-page")
    assert page.status_code == 404 and not page.is_json


def test_login_is_rate_limited(runtime, demo):
    from web import create_app

    app = create_app(runtime, config={"TESTING": True, "RATELIMIT_ENABLED": True})
    client = app.test_client()
    codes = [login(client, "vanhoa", "sai-mat-khau").status_code for _ in range(12)]
    assert codes[:10] == [401] * 10 and codes[-1] == 429
    assert "quá nhiều lần" in login(client, "vanhoa", "sai").get_data(as_text=True)


def test_an_id_beyond_a_database_integer_is_a_missing_object(client, api_token, demo):
    """A path id too large for any id column gets the missing object's 404 on every database (found by the
    API fuzzing: it reached SQLite, which cannot bind it, and answered 500)."""
    headers = {"Authorization": f"Bearer {api_token('vanhanh')}"}
    huge = 2**63
    for path in (f"/api/v1/live/{huge}/chunk", f"/api/v1/bulletins/{huge}/submit"):
        response = client.post(path, headers=headers, data=b"x")
        assert response.status_code == 404, path
        assert response.json["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/bulletins/{huge - 1}", headers=headers).status_code == 404
    login(client, "vanhanh", demo["password"])
    assert client.get(f"/bulletins/{huge}").status_code == 404
