"""Response headers and login loading shared by every blueprint."""

from __future__ import annotations

from flask import Flask, request
from sqlalchemy import select

from broadcast import tenancy
from broadcast.domain.models import User

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def init_app(app: Flask) -> None:
    from . import db_session, login_manager

    @login_manager.user_loader
    def _load_user(user_id: str):
        from .auth import LoginUser

        session = db_session()
        user = session.scalar(select(User).where(User.id == int(user_id), User.active.is_(True)))
        if user is None:
            return None
        tenancy.apply(session, user)  # from here on the request sees only the user's ward (or the province)
        return LoginUser(user)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]:
            # A view that allows framing (the public embed) set its own frame-ancestors; X-Frame-Options
            # has no way to list origins, so it is sent only where framing is refused outright.
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.before_request
    def _secure_cookie():
        # Behind HTTPS (a reverse proxy setting X-Forwarded-Proto is trusted by
        # the deployment's ProxyFix), cookies must not travel in clear.
        app.config["SESSION_COOKIE_SECURE"] = request.is_secure
        app.config["REMEMBER_COOKIE_SECURE"] = request.is_secure
