"""The OpenAPI 3 document, assembled from the paths each API module declares.

An API module defines ``OPENAPI_PATHS = {"/bulletins": {"get": {...}}, ...}``
(paths relative to /api/v1) and may add ``OPENAPI_SCHEMAS``; this module
collects them, so a new endpoint and its contract live side by side.
"""

from __future__ import annotations

import copy
from importlib import import_module

from flask import jsonify

from . import bp

# API modules whose paths go into the document; add yours here.
API_MODULES = ("views", "bulletins", "programmes", "reports", "playout", "lexicon", "agent", "devices")

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}}}},
}


# Every operation can answer these: the token check and the role check run
# before any view, so they are declared once here rather than in each module.
COMMON_RESPONSES = {
    "401": "Thiếu hoặc sai mã truy cập",
    "403": "Vai trò không được phép",
}


def _with_common_responses(ops: dict) -> dict:
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for op in ops.values():
        responses = op.setdefault("responses", {})
        for status, description in COMMON_RESPONSES.items():
            responses.setdefault(status, {"description": description, "content": error})
    return ops


def build_document() -> dict:
    paths: dict = {}
    schemas: dict = {"Error": ERROR_SCHEMA}
    for name in API_MODULES:
        module = import_module(f"{__package__}.{name}")
        for path, ops in getattr(module, "OPENAPI_PATHS", {}).items():
            paths.setdefault(path, {}).update(_with_common_responses(copy.deepcopy(ops)))
        schemas.update(getattr(module, "OPENAPI_SCHEMAS", {}))
    return {
        "openapi": "3.0.3",
        "info": {"title": "Loa Phường API", "version": "1.0.0",
                 "description": "Tin bài, chương trình phát thanh, nhật ký phát sóng và báo cáo của đài truyền thanh phường."},
        "servers": [{"url": "/api/v1"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas},
        "security": [{"bearer": []}],
        "paths": paths,
    }


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(build_document())
