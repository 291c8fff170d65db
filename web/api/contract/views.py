"""OpenAPI contract of the reference lists (categories, departments, stations) endpoints (web/api/views.py):
PATHS relative to /api/v1 and the SCHEMAS they name; web/api/openapi.py assembles the document."""

from __future__ import annotations


def _list_of(item_schema: dict) -> dict:
    return {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": item_schema}}}


def _ok(schema: dict, summary: str) -> dict:
    return {
        "summary": summary,
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
            "401": {
                "description": "Chưa xác thực",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        },
    }


PATHS = {
    "/categories": {
        "get": _ok(
            _list_of(
                {
                    "type": "object",
                    "required": ["code", "name", "is_cchc"],
                    "properties": {
                        "code": {"type": "string"},
                        "name": {"type": "string"},
                        "is_cchc": {"type": "boolean"},
                        "colour": {"type": "string"},
                    },
                }
            ),
            "Chuyên mục tin bài",
        )
    },
    "/departments": {
        "get": _ok(
            _list_of(
                {
                    "type": "object",
                    "required": ["code", "name"],
                    "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
                }
            ),
            "Đơn vị gửi tin",
        )
    },
    "/stations": {
        "get": _ok(
            _list_of(
                {
                    "type": "object",
                    "required": ["code", "name"],
                    "properties": {
                        "code": {"type": "string"},
                        "name": {"type": "string"},
                        "enabled": {"type": "boolean"},
                        "clusters": {"type": "integer"},
                    },
                }
            ),
            "Đài truyền thanh",
        )
    },
}
