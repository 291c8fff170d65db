"""OpenAPI contract of the pronunciation lexicon and normaliser endpoints (web/api/lexicon.py):
PATHS relative to /api/v1 and the SCHEMAS they name; web/api/openapi.py assembles the document."""

from __future__ import annotations

from broadcast.speech import store

from ..lexicon import MAX_EXTRA_ENTRIES, MAX_NORMALIZE_CHARS


def _err(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_TERM = [
    {
        "name": "term",
        "in": "path",
        "required": True,
        "description": "Từ viết, ví dụ SIPAS",
        "schema": {"type": "string", "minLength": 1, "maxLength": store.MAX_TERM_CHARS, "pattern": store.TERM_PATTERN},
    }
]
_COMMON = {"401": _err("Chưa xác thực"), "403": _err("Không có quyền")}
_BAD = {"400": _err("Dữ liệu không hợp lệ"), "415": _err("Sai kiểu nội dung")}

SCHEMAS = {
    "TextWarning": {
        "type": "object",
        "description": "Một từ máy sẽ đọc sai (không phải tiếng Việt, hoặc chữ viết hoa chưa có trong từ điển).",
        "required": ["kind", "word", "count", "message"],
        "properties": {
            "kind": {"type": "string", "enum": ["syllable", "caps"]},
            "word": {"type": "string"},
            "count": {"type": "integer", "minimum": 1},
            "message": {"type": "string"},
        },
    },
    "LexiconEntry": {
        "type": "object",
        "required": ["term", "spoken", "note", "updated_at"],
        "properties": {
            "term": {"type": "string"},
            "spoken": {"type": "string"},
            "note": {"type": "string", "nullable": True},
            "updated_at": {"type": "string", "format": "date-time", "nullable": True},
        },
    },
    "LexiconEntryInput": {
        "type": "object",
        "required": ["spoken"],
        "additionalProperties": False,
        "properties": {
            "spoken": {
                "type": "string",
                "minLength": 1,
                "maxLength": store.MAX_SPOKEN_CHARS,
                "pattern": store.SPOKEN_PATTERN,
                "description": "Cách đọc, viết bằng chữ, không có chữ số",
            },
            "note": {"type": "string", "maxLength": store.MAX_NOTE_CHARS, "nullable": True},
        },
    },
    "NormalizeInput": {
        "type": "object",
        "required": ["text"],
        "additionalProperties": False,
        "properties": {
            "text": {"type": "string", "maxLength": MAX_NORMALIZE_CHARS},
            "lexicon": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "maxProperties": MAX_EXTRA_ENTRIES,
                "description": "Mục thử thêm (chưa lưu): {từ viết: cách đọc}",
            },
        },
    },
}

PATHS = {
    "/lexicon": {
        "get": {
            "summary": "Từ điển phát âm: mục của đài, mục mặc định và phiên bản",
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["version", "entries", "defaults"],
                        "properties": {
                            "version": {"type": "integer"},
                            "entries": {"type": "array", "items": {"$ref": "#/components/schemas/LexiconEntry"}},
                            "defaults": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["term", "spoken"],
                                    "properties": {"term": {"type": "string"}, "spoken": {"type": "string"}},
                                },
                            },
                        },
                    }
                ),
                **_COMMON,
            },
        }
    },
    "/lexicon/{term}": {
        "put": {
            "summary": "Thêm hoặc sửa một mục (cán bộ đài); tăng phiên bản, đánh dấu âm thanh bị ảnh hưởng",
            "parameters": _TERM,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LexiconEntryInput"}}},
            },
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["entry", "version", "changed", "stale_renditions"],
                        "properties": {
                            "entry": {"$ref": "#/components/schemas/LexiconEntry"},
                            "version": {"type": "integer"},
                            "changed": {"type": "boolean"},
                            "stale_renditions": {"type": "integer"},
                        },
                    }
                ),
                **_BAD,
                **_COMMON,
                "404": _err("Không tìm thấy"),
            },
        },
        "delete": {
            "summary": "Xóa một mục của đài (cán bộ đài)",
            "parameters": _TERM,
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["term", "version", "stale_renditions"],
                        "properties": {
                            "term": {"type": "string"},
                            "version": {"type": "integer"},
                            "stale_renditions": {"type": "integer"},
                        },
                    }
                ),
                "404": _err("Không có mục này"),
                **_COMMON,
            },
        },
    },
    "/normalize": {
        "post": {
            "summary": "Chuẩn hóa văn bản thành lời đọc (số, ngày, số hiệu văn bản, chữ viết tắt...)",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NormalizeInput"}}},
            },
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["spoken", "problems", "warnings", "lexicon_version"],
                        "properties": {
                            "spoken": {"type": "string"},
                            "problems": {"type": "array", "items": {"type": "string"}},
                            "warnings": {"type": "array", "items": {"$ref": "#/components/schemas/TextWarning"}},
                            "lexicon_version": {"type": "integer"},
                        },
                    }
                ),
                **_BAD,
                **_COMMON,
            },
        }
    },
}
