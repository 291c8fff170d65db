"""Reading a JSON request body, with the same 415/400 answers on every endpoint."""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import BadRequest

from broadcast.errors import BroadcastError, ValidationError


class UnsupportedMediaType(BroadcastError):
    code = "unsupported_media_type"
    http_status = 415


def json_body(*, optional: bool = False) -> dict:
    """The request's JSON object, or a 415/400 with a Vietnamese message."""
    has_body = bool(request.content_length) or bool(request.get_data(cache=True))
    if optional and not has_body:
        return {}
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("Nội dung gửi lên phải là JSON (Content-Type: application/json).")
    try:
        data = request.get_json(force=False, silent=False)
    except BadRequest:
        raise ValidationError("Dữ liệu JSON không hợp lệ (sai cú pháp hoặc không phải UTF-8).",
                              code="malformed_json") from None
    if not isinstance(data, dict):
        raise ValidationError("Dữ liệu gửi lên phải là một đối tượng JSON ({...}).", code="malformed_json")
    return data
