"""Airtime reports and plans over the API."""

from __future__ import annotations

from flask import Response, jsonify, request

from broadcast import roles
from broadcast.reports.airtime import airtime_report
from broadcast.reports.formats import check_format, render
from broadcast.reports.periods import parse_period
from broadcast.reports.plans import list_plans, next_report_deadline

from .. import db_session, runtime_of
from ..auth import api_roles_required
from . import bp

REPORT_ROLES = (roles.OPERATOR, roles.APPROVER, roles.VIEWER)  # admin always passes


def ward_args(args) -> list[str]:
    """``ward=A&ward=B`` or ``ward=A,B`` (a plain dict gives one value, a MultiDict every one)."""
    return list(args.getlist("ward")) if hasattr(args, "getlist") else [args.get("ward") or ""]


def report_from_args(args) -> dict:
    """Shared by the API and the pages: period/from/to/station/cluster/ward from query arguments -> the report
    (a ward user's covers their ward only; a province user's the province or the wards named)."""
    period = parse_period(args.get("period"), date_from=args.get("from"), date_to=args.get("to"))
    return airtime_report(
        db_session(),
        period,
        station=args.get("station") or None,
        cluster=args.get("cluster") or None,
        wards=ward_args(args),
        tz=runtime_of().settings.tz,
    )


def file_response(data: dict, fmt: str, *, attachment: bool = True) -> Response:
    from broadcast.reports.formats.html import HTML_CSP

    rendered = render(data, fmt)
    response = Response(rendered.content, mimetype=rendered.media_type.split(";")[0])
    if rendered.media_type.startswith("text/"):
        response.charset = "utf-8"
    disposition = "attachment" if attachment else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{rendered.filename}"'
    if fmt == "html":
        response.headers["Content-Security-Policy"] = HTML_CSP
    return response


@bp.get("/reports/airtime")
@api_roles_required(*REPORT_ROLES)
def report_airtime():
    fmt = check_format(request.args.get("format"))
    data = report_from_args(request.args)
    if fmt == "json":
        return jsonify(data)
    return file_response(data, fmt)


EXPORT_ROLES = (roles.VIEWER, roles.APPROVER)  # admin always passes


@bp.get("/export/province")
@api_roles_required(*EXPORT_ROLES)
def export_province():
    """The upward export (``broadcast.upward``): a province user's covers the province or the wards named; a
    ward user's only their own ward (another ward's code is refused as an unknown one)."""
    from broadcast.upward import build_payload, get_adapter

    session = db_session()
    adapter = get_adapter(request.args.get("format"))
    period = parse_period(request.args.get("period"))
    payload = build_payload(session, period, tz=runtime_of().settings.tz, wards=ward_args(request.args))
    response = Response(adapter.export(payload), mimetype=adapter.media_type)
    response.headers["Content-Disposition"] = f'inline; filename="bao-cao-len-tinh-{period.code}.{adapter.extension}"'
    return response


def _plan_dict(plan) -> dict:
    return {
        "id": plan.id,
        "title": plan.title,
        "number": plan.number,
        "issued_on": plan.issued_on.isoformat() if plan.issued_on else None,
        "period_start": plan.period_start.isoformat(),
        "period_end": plan.period_end.isoformat(),
        "report_due_day": plan.report_due_day,
        "active": plan.active,
        "targets": [
            {
                "id": t.id,
                "metric": t.metric,
                "category_code": t.category_code,
                "per": t.per,
                "value": t.value,
                "label": t.label,
            }
            for t in plan.targets
        ],
    }


@bp.get("/plans")
@api_roles_required(*REPORT_ROLES)
def plans_list():
    from broadcast.domain.types import utcnow

    session = db_session()
    today = utcnow().astimezone(runtime_of().settings.tz).date()
    deadline = next_report_deadline(session, today)
    if deadline:
        deadline = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in deadline.items()}
    return jsonify(items=[_plan_dict(p) for p in list_plans(session)], next_deadline=deadline)
