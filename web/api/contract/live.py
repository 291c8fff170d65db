"""OpenAPI contract of the live broadcast endpoints (web/api/live.py): PATHS relative to /api/v1 and SCHEMAS."""

from __future__ import annotations


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


_ERR = {"content": _json({"$ref": "#/components/schemas/Error"})}
_STATE = _json({"$ref": "#/components/schemas/LiveSession"})
_ID = [{"name": "live_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_GONE = {"404": {"description": "Không có buổi phát này (hoặc của người khác)", **_ERR}}

SCHEMAS = {
    "LiveSession": {
        "type": "object",
        "required": ["id", "status", "on_air", "end_reason", "seconds", "recording"],
        "properties": {
            "id": {"type": "integer"},
            "status": {"type": "string", "enum": ["ready", "starting", "on_air", "ended", "refused"]},
            "on_air": {"type": "boolean", "description": "the voice (not the chime) is airing now"},
            "end_reason": {"type": "string", "nullable": True},
            "seconds": {"type": "integer"},
            "recording": {"type": "boolean"},
        },
    }
}

PATHS = {
    "/live": {
        "post": {
            "summary": "Bắt đầu phát trực tiếp trên các đài (chưa phát gì tới khi có âm thanh)",
            "requestBody": {
                "required": True,
                "content": _json(
                    {
                        "type": "object",
                        "required": ["stations"],
                        "properties": {
                            "stations": {"type": "array", "items": {"type": "string"}},
                            "clusters": {
                                "type": "array",
                                "items": {"type": "string"},
                                "description": "chỉ các cụm loa này (thiết bị tại chỗ phục vụ chúng); trống: mọi cụm",
                            },
                        },
                    }
                ),
            },
            "responses": {
                "201": {"description": "Đã tạo", "content": _STATE},
                "400": {"description": "Dữ liệu không hợp lệ", **_ERR},
                "404": {"description": "Không có đài", **_ERR},
                "409": {"description": "Đài đang phát trực tiếp", **_ERR},
                "415": {"description": "Không phải JSON", **_ERR},
            },
        }
    },
    "/live/{live_id}/chunk": {
        "post": {
            "summary": "Một đoạn âm thanh từ micrô (WebM/Opus hoặc Ogg/Opus, theo thứ tự)",
            "parameters": _ID,
            "requestBody": {
                "required": True,
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            },
            "responses": {
                "204": {"description": "Đã nhận"},
                "400": {"description": "Không phải âm thanh, hoặc quá lớn", **_ERR},
                "409": {"description": "Buổi phát đã kết thúc", **_ERR},
                **_GONE,
            },
        }
    },
    "/live/{live_id}/stop": {
        "post": {
            "summary": "Kết thúc (chuông kết thúc, giữ bản ghi)",
            "parameters": _ID,
            "responses": {"200": {"description": "OK", "content": _STATE}, **_GONE},
        }
    },
    "/live/{live_id}": {
        "get": {
            "summary": "Trạng thái buổi phát trực tiếp",
            "parameters": _ID,
            "responses": {"200": {"description": "OK", "content": _STATE}, **_GONE},
        }
    },
}
