"""The OpenAPI 3 document, assembled from the contract of each API area.

The contract lives in ``web/api/contract/<area>.py`` (``PATHS``, paths relative to /api/v1, and
``SCHEMAS``), apart from the views; this module adds what every operation shares (the bearer token's
401, the role check's 403, the Error schema) and serves /api/v1/openapi.json.
"""

from __future__ import annotations

import copy
from importlib import import_module

from flask import jsonify

from . import bp

# API areas whose contract (web/api/contract/<name>.py) goes into the document, in this order; add yours.
API_MODULES = (
    "views",
    "bulletins",
    "programmes",
    "reports",
    "playout",
    "lexicon",
    "speech",
    "agent",
    "devices",
    "sources",
    "live",
    "deliveries",
)

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}},
        }
    },
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
        contract = import_module(f"{__package__}.contract.{name}")
        for path, ops in contract.PATHS.items():
            paths.setdefault(path, {}).update(_with_common_responses(copy.deepcopy(ops)))
        schemas.update(getattr(contract, "SCHEMAS", {}))
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Loa Phường API",
            "version": "1.0.0",
            "description": (
                "Tin bài, chương trình phát thanh, nhật ký phát sóng và báo cáo của đài truyền thanh phường."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas},
        "security": [{"bearer": []}],
        "paths": paths,
    }


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(build_document())
