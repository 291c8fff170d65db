"""Every API failure is JSON with a stable code and a Vietnamese message."""

from __future__ import annotations

from flask import g, jsonify, request
from werkzeug.exceptions import HTTPException

from broadcast import tenancy
from broadcast.errors import BroadcastError
from broadcast.security import user_for_token

from .. import db_session
from . import bp

HTTP_MESSAGES = {
    400: ("bad_request", "Yêu cầu không hợp lệ."),
    401: ("unauthorized", "Cần mã truy cập hợp lệ (Authorization: Bearer ...)."),
    403: ("forbidden", "Bạn không có quyền thực hiện thao tác này."),
    404: ("not_found", "Không tìm thấy."),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ cho địa chỉ này."),
    413: ("too_large", "Dữ liệu gửi lên quá lớn."),
    415: ("unsupported_media_type", "Kiểu nội dung không được hỗ trợ."),
    429: ("rate_limited", "Quá nhiều yêu cầu, vui lòng thử lại sau."),
}


def error_response(status: int, code: str, message: str, field: str | None = None):
    body = {"code": code, "message": message}
    if field:
        body["field"] = field
    return jsonify(error=body), status


PUBLIC_ENDPOINTS = {"api.openapi_document"}


@bp.before_request
def authenticate_token():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    g.api_user = None
    if not header.lower().startswith("bearer "):
        return error_response(401, *HTTP_MESSAGES[401])
    session = db_session()
    user = user_for_token(session, header[7:].strip())
    if user is None:
        return error_response(401, "invalid_token", "Mã truy cập không đúng hoặc đã bị thu hồi.")
    if session.dirty:
        session.commit()  # last_used_at, at most once a minute per token
    tenancy.apply(session, user)
    g.api_user = user


@bp.errorhandler(BroadcastError)
def _broadcast_error(exc: BroadcastError):
    db_session().rollback()
    return error_response(exc.http_status, exc.code, exc.message, exc.field)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    code, message = HTTP_MESSAGES.get(exc.code, ("error", exc.description or "Lỗi."))
    return error_response(exc.code or 500, code, message)


def init_app(app) -> None:
    """Routing errors never reach a blueprint's handlers (no endpoint matched),
    so an unknown /api/ path, a method the path lacks, or an id that is not a
    number would answer with Flask's HTML page; answer JSON there too."""

    def _api_aware(exc: HTTPException):
        if request.path.startswith("/api/"):
            return _http_error(exc)
        return exc

    for status in (404, 405):
        app.register_error_handler(status, _api_aware)
