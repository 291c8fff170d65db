"""The Flask web admin and JSON API: thin views over the ``broadcast`` core."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, g, jsonify, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter

from broadcast.config import Settings
from broadcast.runtime import Runtime, open_runtime

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[], storage_uri="memory://")

LANGUAGES = ("vi", "en")


def _select_locale():
    # Vietnamese first whatever the browser says: the users are ward staff.
    chosen = request.args.get("lang") or request.cookies.get("lang")
    return chosen if chosen in LANGUAGES else "vi"


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` bounded to the ids a database column can hold (signed 64-bit)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(runtime: Runtime | None = None, *, config: dict | None = None) -> Flask:
    """App factory: one app per runtime (settings + engine)."""
    runtime = runtime or open_runtime()
    app = Flask(__name__)
    # Before any route is added: every <int:...> in a path is a database id, so one beyond a 64-bit integer
    # matches no route (the missing object's 404) instead of reaching the database and failing there.
    app.url_map.converters["int"] = DatabaseIdConverter
    _configure(app, runtime.settings, config)
    app.extensions["broadcast.runtime"] = runtime
    _init_extensions(app)
    _register_blueprints(app)
    _add_app_hooks(app)
    return app


def _configure(app: Flask, settings: Settings, config: dict | None) -> None:
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=30 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE="vi",
        BABEL_DEFAULT_TIMEZONE=settings.timezone,
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_HEADERS_ENABLED=True,
    )
    app.config.update(config or {})


def _init_extensions(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "admin.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    limiter.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from . import filters, labels, nav, security
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .api import errors as api_errors
    from .public import bp as public_bp

    app.register_blueprint(admin_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, never cookies
    app.register_blueprint(public_bp, url_prefix="/nghe")
    csrf.exempt(public_bp)  # anonymous and read-only: there is no session to forge
    api_errors.init_app(app)
    security.init_app(app)
    nav.init_templates(app)
    labels.init_templates(app)
    filters.init_app(app)


def _add_app_hooks(app: Flask) -> None:
    """The health check, the language cookie and the request's session, which belong to no blueprint."""

    @app.get("/healthz")
    def healthz():
        from sqlalchemy import text

        try:
            db_session().execute(text("SELECT 1"))
            return jsonify(status="ok")
        except Exception:  # a health check reports, it does not raise
            return jsonify(status="error", error="database"), 503

    @app.context_processor
    def _locale():
        from flask_babel import get_locale

        return {"get_locale": lambda: str(get_locale() or "vi")}

    @app.after_request
    def _remember_language(response):
        # ?lang=en once, and the choice sticks for the next pages.
        chosen = request.args.get("lang")
        if chosen in LANGUAGES and request.cookies.get("lang") != chosen:
            response.set_cookie("lang", chosen, max_age=365 * 86400, httponly=True, samesite="Lax")
        return response

    @app.teardown_appcontext
    def _close_session(exc):
        session = g.pop("db_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()


def runtime_of(app: Flask | None = None) -> Runtime:
    from flask import current_app

    return (app or current_app).extensions["broadcast.runtime"]


def db_session():
    """The request's database session (opened on first use, closed at teardown)."""
    if "db_session" not in g:
        g.db_session = runtime_of().session()
    return g.db_session
