"""Daily programmes: build, read, export (ZIP)."""

from __future__ import annotations

from flask import jsonify, send_file

from broadcast import roles
from broadcast.programme.build import build_day, day_dict
from broadcast.programme.calendar import get_station, parse_date
from broadcast.programme.export import export_day

from .. import db_session, runtime_of
from ..auth import api_roles_required, current_db_user
from . import bp

BUILD_ROLES = roles.EDIT_ROLES  # admin always passes


@bp.post("/stations/<code>/programmes/<date>/build")
@api_roles_required(*BUILD_ROLES)
def programme_build(code, date):
    session, settings = db_session(), runtime_of().settings
    on = parse_date(date)
    # the programme package's lookup, as day_dict and export_day use: one 404 (code not_found) on all three
    get_station(session, code)
    build_day(session, settings, code, on, actor=current_db_user())
    session.commit()
    return jsonify(day_dict(session, settings, code, on))


@bp.get("/stations/<code>/programmes/<date>")
@api_roles_required()
def programme_day(code, date):
    return jsonify(day_dict(db_session(), runtime_of().settings, code, parse_date(date)))


@bp.get("/stations/<code>/programmes/<date>/export")
@api_roles_required(*BUILD_ROLES)
def programme_export(code, date):
    session, settings = db_session(), runtime_of().settings
    result = export_day(session, settings, code, parse_date(date))
    return send_file(
        result.zip_path, mimetype="application/zip", as_attachment=True, download_name=result.zip_path.name
    )
