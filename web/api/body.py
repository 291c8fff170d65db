"""Reading a JSON request body, with the same 415/400 answers on every endpoint."""

from __future__ import annotations

import re

from flask import request
from werkzeug.exceptions import BadRequest

from broadcast.errors import BroadcastError, ValidationError

#: No endpoint takes more than a few levels (the deepest is {"lexicon": {...}}); a body nested
#: hundreds deep is an attack or a bug, and past ~1,000 levels the parser itself raises
#: RecursionError, which would surface as a 500.
MAX_JSON_DEPTH = 32

TOO_DEEP = "Dữ liệu JSON lồng nhau quá sâu (tối đa {n} cấp)."


# Strings first (a bracket inside a string is text), then the brackets that remain.
_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKETS = re.compile(rb"[\[\]{}]")


class UnsupportedMediaType(BroadcastError):
    code = "unsupported_media_type"
    http_status = 415


def json_depth_exceeds(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text opens more than ``limit`` nested arrays/objects.

    Counted on the raw text, before parsing, so that no recursive code (the
    parser, a serializer, a validator) ever sees the deep value."""
    depth = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b"", raw)):
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def json_body(*, optional: bool = False) -> dict:
    """The request's JSON object, or a 415/400 with a Vietnamese message."""
    raw = request.get_data(cache=True)
    if optional and not (request.content_length or raw):
        return {}
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("Nội dung gửi lên phải là JSON (Content-Type: application/json).")
    if json_depth_exceeds(raw):
        raise ValidationError(TOO_DEEP.format(n=MAX_JSON_DEPTH), code="malformed_json")
    try:
        data = request.get_json(force=False, silent=False)
    except (BadRequest, RecursionError):
        raise ValidationError(
            "Dữ liệu JSON không hợp lệ (sai cú pháp hoặc không phải UTF-8).", code="malformed_json"
        ) from None
    if not isinstance(data, dict):
        raise ValidationError("Dữ liệu gửi lên phải là một đối tượng JSON ({...}).", code="malformed_json")
    return data
