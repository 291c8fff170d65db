"""Report pages: the airtime report (period picker, charts, downloads), plans and targets, dashboard widget."""

from __future__ import annotations

import threading

from cachetools import TTLCache
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from broadcast import roles
from broadcast.domain.categories import CATEGORIES, CCHC_GROUP
from broadcast.domain.models import AsRun, Cluster, Station, Ward
from broadcast.domain.types import utcnow
from broadcast.errors import BroadcastError
from broadcast.reports import plans as plan_service
from broadcast.reports.airtime import airtime_report
from broadcast.reports.airtime.scope import ward_codes
from broadcast.reports.formats import FORMATS, check_format
from broadcast.reports.formats.charts import CHARTS
from broadcast.reports.periods import month_period

from .. import db_session, runtime_of
from ..api.reports import file_response, report_from_args
from ..auth import current_db_user, roles_required
from ..forms import commit_or_flash, error_text
from ..nav import DASHBOARD_WIDGETS, NAV_ITEMS, Widget
from . import bp

REPORT_ROLES = (roles.OPERATOR, roles.APPROVER, roles.VIEWER)  # admin always passes
PLAN_EDITORS = (roles.OPERATOR,)


def _today():
    return utcnow().astimezone(runtime_of().settings.tz).date()


def _args() -> dict:
    """Report arguments from the query string; the current month when nothing is chosen."""
    args = {k: (request.args.get(k) or "").strip() for k in ("period", "from", "to", "station", "cluster")}
    args["ward"] = ",".join(ward_codes(request.args.getlist("ward")))
    if not args["period"] and not args["from"] and not args["to"]:
        args["period"] = month_period(_today().year, _today().month).code
    return args


def _report(args: dict) -> dict:
    return report_from_args({k: v or None for k, v in args.items()})


def _clusters() -> list:
    """The filter's cluster choices: (station code, cluster code, name) of every station."""
    query = select(Station.code, Cluster.code, Cluster.name).join(Cluster.station).order_by(Station.code, Cluster.code)
    return list(db_session().execute(query))


def _query(args: dict) -> dict:
    return {k: v for k, v in args.items() if v}


@bp.get("/reports/airtime")
@roles_required(*REPORT_ROLES)
def report_airtime():
    args = _args()
    stations = list(db_session().scalars(select(Station).order_by(Station.code)))
    wards = list(db_session().scalars(select(Ward).order_by(Ward.code)))  # a ward user's own only
    error, report = None, None
    try:
        report = _report(args)
    except BroadcastError as exc:
        error = exc.message
    today = _today()
    y = today.year
    choices = [(f"{y}-{m:02d}", f"Tháng {m:02d}/{y}") for m in range(today.month, 0, -1)]
    choices += [
        (f"{y}-Q1", f"Quý I/{y}"),
        (f"{y}-H1", f"6 tháng đầu năm {y}"),
        (f"{y}-9M", f"9 tháng năm {y}"),
        (str(y), f"Năm {y}"),
        (f"{y - 1}", f"Năm {y - 1}"),
    ]
    return render_template(
        "reports/airtime.html",
        r=report,
        error=error,
        args=args,
        query=_query(args),
        stations=stations,
        wards=wards if len(wards) > 1 else [],
        chosen_wards=args["ward"].split(",") if args["ward"] else [],
        clusters=_clusters(),
        choices=choices,
        formats=[f for f in FORMATS if f != "json"] + ["json"],
    ), (400 if error else 200)


@bp.get("/reports/airtime/chart/<kind>.png")
@roles_required(*REPORT_ROLES)
def report_chart(kind):
    if kind not in CHARTS:
        return Response(status=404)
    try:
        report = _report(_args())
    except BroadcastError:
        return Response(status=400)
    response = Response(CHARTS[kind](report), mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@bp.get("/reports/airtime/download")
@roles_required(*REPORT_ROLES)
def report_download():
    try:
        fmt = check_format(request.args.get("format"))
        report = _report(_args())
    except BroadcastError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("admin.report_airtime", **_query(_args())))
    return file_response(report, fmt)


# --- plans and targets -----------------------------------------------------------------------------------------


def _scopes():
    return [("", "Tất cả chuyên mục"), (CCHC_GROUP, "Tin CCHC (mọi lĩnh vực)")] + [(c.code, c.name) for c in CATEGORIES]


@bp.get("/plans")
@roles_required(*REPORT_ROLES)
def plans():
    return _plans_page(db_session(), current_db_user(), {})


@bp.post("/plans")
@roles_required(*PLAN_EDITORS)
def plan_create():
    session, user = db_session(), current_db_user()
    form = request.form.to_dict()
    with commit_or_flash(_("Đã tạo kế hoạch.")) as outcome:
        plan = plan_service.create_plan(session, form, user=user)
    if outcome.ok:
        return redirect(url_for("admin.plan_edit", plan_id=plan.id))
    return _plans_page(session, user, form)


def _plans_page(session, user, form: dict):
    today = _today()
    deadline = plan_service.next_report_deadline(session, today)
    return render_template(
        "reports/plans.html",
        plans=plan_service.list_plans(session),
        form=form,
        deadline=deadline,
        can_edit=user.role in PLAN_EDITORS + ("admin",),
        year=today.year,
        deadlines=plan_service.reporting_deadlines,
    )


def _save_plan(session, plan, form, user):
    plan_service.update_plan(session, plan, form, user=user)
    return _("Đã lưu kế hoạch.")


def _add_target(session, plan, form, user):
    plan_service.add_target(session, plan, form, user=user)
    return _("Đã thêm chỉ tiêu.")


def _delete_target(session, plan, form, user):
    target = plan_service.get_target(session, plan, int(form.get("target_id") or 0))
    plan_service.delete_target(session, target, user=user)
    return _("Đã xóa chỉ tiêu.")


def _delete_plan(session, plan, form, user):
    plan_service.delete_plan(session, plan, user=user)
    return _("Đã xóa kế hoạch.")


# what the plan page's buttons ask for (action=...), each returning its success message
PLAN_ACTIONS = {
    "save": _save_plan,
    "add_target": _add_target,
    "delete_target": _delete_target,
    "delete_plan": _delete_plan,
}


@bp.route("/plans/<int:plan_id>", methods=["GET", "POST"])
@roles_required(*PLAN_EDITORS)
def plan_edit(plan_id):
    session, user = db_session(), current_db_user()
    plan = session.get(plan_service.Plan, plan_id)
    if plan is None:
        flash(_("Không có kế hoạch này."), "error")
        return redirect(url_for("admin.plans"))
    action = request.form.get("action", "save")
    if request.method == "POST" and action not in PLAN_ACTIONS:
        return Response(status=400)
    if request.method == "POST":
        form = request.form.to_dict()
        with commit_or_flash() as outcome:
            outcome.message = PLAN_ACTIONS[action](session, plan, form, user)
        if outcome.ok:
            return redirect(
                url_for("admin.plans") if action == "delete_plan" else url_for("admin.plan_edit", plan_id=plan.id)
            )
        plan = plan_service.get_plan(session, plan_id)
    return render_template(
        "reports/plan_edit.html",
        plan=plan,
        scopes=_scopes(),
        metrics=plan_service.METRICS,
        pers=plan_service.PERS,
        deadlines=plan_service.reporting_deadlines(plan),
    )


# --- dashboard widget ------------------------------------------------------------------------------------------


# The month's progress is a whole airtime report; the dashboard is the most visited page, so one report
# serves every visit for a minute, or until a new as-run row arrives (its id is in the key).
PROGRESS_CACHE = TTLCache(maxsize=16, ttl=60)
_PROGRESS_LOCK = threading.Lock()


def _fingerprint(row) -> tuple:
    return tuple(getattr(row, c.key) for c in row.__table__.columns)


def _month_report(session, period, plan) -> dict:
    """The month's report for the widget: cached while the plan, its targets and the as-run log are unchanged."""
    plan_key = (_fingerprint(plan), tuple(_fingerprint(t) for t in plan.targets))
    key = (plan_key, period.start, period.end, session.scalar(select(func.max(AsRun.id))))
    with _PROGRESS_LOCK:
        report = PROGRESS_CACHE.get(key)
    if report is None:
        tz = runtime_of().settings.tz
        # the plan's own ward: a province user's widget shows that ward's progress, not the province's
        report = airtime_report(session, period, tz=tz, plan=plan, include_previous=False, wards=[plan.ward.code])
        with _PROGRESS_LOCK:
            PROGRESS_CACHE[key] = report
    return report


def _progress_widget(user):
    session = db_session()
    today = _today()
    period = month_period(today.year, today.month)
    plan = plan_service.current_plan(session, today)
    deadline = plan_service.next_report_deadline(session, today, plan=plan) if plan else None
    if plan is None:
        return {"plan": None, "deadline": None, "targets": [], "period": period}
    report = _month_report(session, period, plan)
    return {
        "plan": plan,
        "deadline": deadline,
        "targets": report["targets"],
        "period": period,
        "totals": report["totals"],
    }


if not any(item[0] == "admin.report_airtime" for item in NAV_ITEMS):
    NAV_ITEMS.append(("admin.report_airtime", "Báo cáo", ("admin",) + REPORT_ROLES))
    NAV_ITEMS.append(("admin.plans", "Kế hoạch", ("admin",) + REPORT_ROLES))
if not any(w.template == "reports/_widget.html" for w in DASHBOARD_WIDGETS):
    DASHBOARD_WIDGETS.append(Widget("reports/_widget.html", _progress_widget, ("admin",) + REPORT_ROLES, order=30))
