"""OpenAPI contract of the voices and usage endpoints (web/api/speech.py)."""

from __future__ import annotations


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _err(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


_COMMON = {"401": _err("Chưa xác thực"), "403": _err("Không có quyền")}
_NULLABLE_STRING = {"type": "string", "nullable": True}

SCHEMAS = {
    "Voice": {
        "type": "object",
        "required": ["engine", "voice", "accent", "gender", "label", "available"],
        "properties": {
            "engine": {"type": "string"},
            "voice": {"type": "string"},
            "accent": {"type": "string", "nullable": True, "enum": ["north", "central", "south", None]},
            "gender": {"type": "string", "nullable": True, "enum": ["female", "male", None]},
            "label": {"type": "string"},
            "available": {"type": "boolean"},
        },
    },
    "SpeechUsage": {
        "type": "object",
        "required": ["engine", "provider", "chars_today", "chars_month", "monthly_cap", "over_cap"],
        "properties": {
            "engine": {"type": "string"},
            "provider": {"type": "string"},
            "chars_today": {"type": "integer", "minimum": 0},
            "chars_month": {"type": "integer", "minimum": 0},
            "monthly_cap": {"type": "integer", "nullable": True, "minimum": 0},
            "over_cap": {"type": "boolean"},
        },
    },
}

PATHS = {
    "/voices": {
        "get": {
            "summary": "Mọi giọng đọc của mọi bộ đọc, có dùng được trên máy này hay không",
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["items"],
                        "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Voice"}}},
                    }
                ),
                **_COMMON,
            },
        }
    },
    "/speech/usage": {
        "get": {
            "summary": "Số ký tự đã gửi cho từng giọng trả phí hôm nay và tháng này, kèm hạn mức tháng",
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["date", "items"],
                        "properties": {
                            "date": {"type": "string", "format": "date"},
                            "items": {"type": "array", "items": {"$ref": "#/components/schemas/SpeechUsage"}},
                        },
                    }
                ),
                **_COMMON,
            },
        }
    },
}
