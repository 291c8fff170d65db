"""OpenAPI contract of the daily programmes endpoints (web/api/programmes.py): PATHS relative to
/api/v1 and the SCHEMAS they name; web/api/openapi.py assembles the document."""

from __future__ import annotations

_ERR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_PARAMS = [
    {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}, "description": "Mã đài"},
    {
        "name": "date",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "date"},
        "description": "Ngày YYYY-MM-DD",
    },
]
_DAY = {"$ref": "#/components/schemas/ProgrammeDay"}
_ERRORS = {
    "400": {"description": "Ngày sai dạng", **_ERR},
    "401": {"description": "Chưa xác thực", **_ERR},
    "404": {"description": "Không có đài", **_ERR},
}

SCHEMAS = {
    "ProgrammeDay": {
        "type": "object",
        "required": ["station", "date", "sessions"],
        "properties": {
            "station": {"type": "string"},
            "date": {"type": "string", "format": "date"},
            "sessions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "starts_at", "duration_ms", "items"],
                    "properties": {
                        "code": {"type": "string"},
                        "starts_at": {"type": "string", "format": "date-time"},
                        "duration_ms": {"type": "integer"},
                        "items": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": [
                                    "position",
                                    "kind",
                                    "bulletin_id",
                                    "title",
                                    "category",
                                    "planned_start",
                                    "duration_ms",
                                    "clusters",
                                    "relay",
                                ],
                                "properties": {
                                    "position": {"type": "integer"},
                                    "kind": {
                                        "type": "string",
                                        "enum": ["asset", "announcement", "bulletin", "filler", "relay"],
                                    },
                                    "bulletin_id": {"type": "integer", "nullable": True},
                                    "title": {"type": "string"},
                                    "category": {"type": "string", "nullable": True},
                                    "planned_start": {"type": "string", "format": "date-time"},
                                    "duration_ms": {"type": "integer"},
                                    "clusters": {
                                        "type": "array",
                                        "items": {"type": "string"},
                                        "nullable": True,
                                        "description": "Mã cụm loa (tổ dân phố) của mục; null là cả đài.",
                                    },
                                    "relay": {
                                        "type": "object",
                                        "nullable": True,
                                        "description": "Mục tiếp sóng: nguồn, nhóm và phương án dự phòng.",
                                        "properties": {
                                            "upstream": {"type": "string", "nullable": True},
                                            "source": {"type": "string", "nullable": True},
                                            "category": {"type": "string", "nullable": True},
                                            "fallback": {"type": "string", "nullable": True},
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}

PATHS = {
    "/stations/{code}/programmes/{date}": {
        "get": {
            "summary": "Chương trình phát thanh của đài trong ngày",
            "parameters": _PARAMS,
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": _DAY}}}, **_ERRORS},
        }
    },
    "/stations/{code}/programmes/{date}/build": {
        "post": {
            "summary": "Dựng (lại) chương trình trong ngày; buổi đã khóa giữ nguyên (cán bộ đài)",
            "parameters": _PARAMS,
            "responses": {
                "200": {"description": "Chương trình sau khi dựng", "content": {"application/json": {"schema": _DAY}}},
                "403": {"description": "Không đủ quyền", **_ERR},
                **_ERRORS,
            },
        }
    },
    "/stations/{code}/programmes/{date}/export": {
        "get": {
            "summary": "Gói xuất USB (ZIP: MP3 từng buổi và từng mục, M3U8, bảng cue CSV/JSON)",
            "parameters": _PARAMS,
            "responses": {
                "200": {
                    "description": "ZIP",
                    "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
                },
                "403": {"description": "Không đủ quyền", **_ERR},
                **_ERRORS,
            },
        }
    },
}
