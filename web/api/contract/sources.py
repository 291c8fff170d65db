"""OpenAPI contract of the upstream sources endpoints (web/api/sources.py): PATHS relative to /api/v1 and the
SCHEMAS they name; web/api/openapi.py assembles the document."""

from __future__ import annotations

from broadcast.relay.sources import CATEGORY_LABELS, STATE_LABELS


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


_ERR = {"content": _json({"$ref": "#/components/schemas/Error"})}
_SOURCE = {"$ref": "#/components/schemas/UpstreamSource"}
_SOURCE_REF = _json(_SOURCE)
_LIST = {"type": "array", "items": _SOURCE}
_CODE = [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}]
_CATEGORY = {"type": "string", "enum": list(CATEGORY_LABELS), "description": "national (VOV), province, other"}
_CHECK = {
    "type": "object",
    "nullable": True,
    "description": "Lần kiểm tra gần nhất",
    "properties": {
        "ok": {"type": "boolean"},
        "codec": {"type": "string", "nullable": True},
        "bitrate": {"type": "integer", "nullable": True},
        "sample_rate": {"type": "integer", "nullable": True},
        "channels": {"type": "integer", "nullable": True},
        "audible": {"type": "boolean"},
        "rms_dbfs": {"type": "number", "nullable": True},
        "error": {"type": "string", "nullable": True},
    },
}
SCHEMAS = {
    "UpstreamSource": {
        "type": "object",
        "required": ["code", "name", "url", "category", "enabled", "state", "last_check", "last_check_at"],
        "properties": {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "url": {"type": "string"},
            "category": _CATEGORY,
            "enabled": {"type": "boolean"},
            "state": {"type": "string", "enum": list(STATE_LABELS)},
            "last_check": _CHECK,
            "last_check_at": {"type": "string", "nullable": True},
        },
    }
}
_FIELDS = {
    "name": {"type": "string", "maxLength": 200},
    "url": {"type": "string", "maxLength": 1000, "description": "http:// hoặc https://"},
    "category": _CATEGORY,
}
_BAD = {
    "400": {"description": "Dữ liệu không hợp lệ", **_ERR},
    "415": {"description": "Không phải JSON", **_ERR},
}

PATHS = {
    "/sources": {
        "get": {
            "summary": "Nguồn tiếp sóng và lần kiểm tra gần nhất",
            "responses": {
                "200": {
                    "description": "OK",
                    "content": _json({"type": "object", "required": ["items"], "properties": {"items": _LIST}}),
                }
            },
        },
        "post": {
            "summary": "Thêm nguồn tiếp sóng",
            "requestBody": {
                "required": True,
                "content": _json(
                    {
                        "type": "object",
                        "required": ["code", "name", "url"],
                        "properties": {"code": {"type": "string", "maxLength": 40}, **_FIELDS},
                    }
                ),
            },
            "responses": {
                "201": {"description": "Đã thêm", "content": _SOURCE_REF},
                **_BAD,
                "409": {"description": "Mã nguồn đã có", **_ERR},
            },
        },
    },
    "/sources/{code}": {
        "patch": {
            "summary": "Sửa, tắt hoặc bật lại nguồn tiếp sóng (nguồn không bị xoá)",
            "parameters": _CODE,
            "requestBody": {
                "required": True,
                "content": _json({"type": "object", "properties": {**_FIELDS, "enabled": {"type": "boolean"}}}),
            },
            "responses": {
                "200": {"description": "OK", "content": _SOURCE_REF},
                **_BAD,
                "404": {"description": "Không có nguồn", **_ERR},
            },
        }
    },
    "/sources/{code}/check": {
        "post": {
            "summary": "Kiểm tra ngay: kết nối, định dạng, có tiếng hay im lặng (tối đa khoảng 8 giây)",
            "parameters": _CODE,
            "responses": {
                "200": {"description": "Đã kiểm tra; kết quả trong state và last_check", "content": _SOURCE_REF},
                "404": {"description": "Không có nguồn", **_ERR},
            },
        }
    },
}
