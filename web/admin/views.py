"""Login, logout and the dashboard."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from broadcast.domain.models import Ward
from broadcast.domain.types import utcnow
from broadcast.security import audit, authenticate

from .. import db_session, limiter, pagecache
from ..auth import LoginUser, client_ip, current_db_user, roles_required
from . import bp


class LoginForm(FlaskForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Mật khẩu", validators=[DataRequired(), Length(max=200)])


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect would let a phishing link borrow our login page.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("admin.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    "10 per minute; 50 per hour",
    methods=["POST"],
    error_message="Đăng nhập sai quá nhiều lần, vui lòng thử lại sau ít phút.",
)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        session = db_session()
        user = authenticate(session, form.username.data, form.password.data)
        if user is None:
            audit(session, "auth.login_failed", detail={"username": form.username.data[:80]}, ip=client_ip())
            session.commit()
            flash(_("Tên đăng nhập hoặc mật khẩu không đúng."), "error")
            return render_template("admin/login.html", form=form), 401
        user.last_login_at = utcnow()
        audit(session, "auth.login", user=user, ip=client_ip())
        session.commit()
        login_user(LoginUser(user))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("admin/login.html", form=form)


@bp.post("/logout")
def logout():
    user = current_db_user()
    if user is not None:
        session = db_session()
        audit(session, "auth.logout", user=user, ip=client_ip())
        session.commit()
    logout_user()
    return redirect(url_for("admin.login"))


@bp.get("/")
@roles_required()
def dashboard():
    from ..nav import DASHBOARD_WIDGETS

    user = current_db_user()
    # Every panel reads through the request's ward-scoped session: a ward user's counts are their ward's.
    where = _("Cấp tỉnh") if user.ward_id is None else db_session().get(Ward, user.ward_id).name
    shown = [w for w in sorted(DASHBOARD_WIDGETS, key=lambda w: w.order) if user.role in w.roles + ("admin",)]
    panels = [html for html in (_panel(widget, user) for widget in shown) if html]
    return render_template("admin/dashboard.html", panels=panels, where=where)


def _panel(widget, user) -> Markup:
    """The panel's HTML (empty when it hides itself), from memory until the next commit unless it is live."""

    def build() -> Markup:
        context = widget.context(user)
        if context is None:
            return Markup("")
        return Markup(render_template("admin/_panel.html", template=widget.template, ctx=context))

    if widget.live:
        return build()
    # Everything a panel's content depends on besides the data: who looks, in which language, where mounted.
    who = (user.id, user.role, user.ward_id, user.department_id, str(get_locale()), request.script_root)
    return pagecache.remember(("panel", widget.template, *who), build)
