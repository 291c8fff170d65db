"""OpenAPI contract of the as-run log and playout controls endpoints (web/api/playout.py): PATHS relative to
/api/v1 and the SCHEMAS they name; web/api/openapi.py assembles the document."""

from __future__ import annotations

_ERR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_AS_RUN = {
    "type": "object",
    "required": ["id", "station", "air_date", "status", "source", "actual_start", "aired_ms"],
    "properties": {
        "id": {"type": "integer"},
        "station": {"type": "string"},
        "run_id": {"type": "integer", "nullable": True},
        "air_date": {"type": "string", "format": "date"},
        "session": {"type": "string", "nullable": True},
        "position": {"type": "integer", "nullable": True},
        "kind": {"type": "string"},
        "title": {"type": "string"},
        "bulletin_id": {"type": "integer", "nullable": True},
        "category": {"type": "string", "nullable": True},
        "department": {"type": "string", "nullable": True},
        "scheduled_start": {"type": "string", "format": "date-time", "nullable": True},
        "actual_start": {"type": "string", "format": "date-time"},
        "actual_end": {"type": "string", "format": "date-time", "nullable": True},
        "planned_ms": {"type": "integer", "nullable": True},
        "aired_ms": {"type": "integer"},
        "lateness_ms": {"type": "integer", "nullable": True},
        "status": {"type": "string", "enum": ["airing", "aired", "interrupted", "failed", "skipped", "missed"]},
        "source": {"type": "string", "enum": ["playout", "manual"]},
        "sink": {"type": "string", "nullable": True},
        "note": {"type": "string", "nullable": True},
    },
}


def _json(schema):
    return {"content": {"application/json": {"schema": schema}}}


SCHEMAS = {"AsRun": _AS_RUN}
PATHS = {
    "/airtime": {
        "get": {
            "summary": "Nhật ký phát sóng (as-run)",
            "parameters": [
                {"name": "station", "in": "query", "schema": {"type": "string"}},
                {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
            ],
            "responses": {
                "200": {
                    "description": "OK",
                    **_json(
                        {
                            "type": "object",
                            "required": ["items"],
                            "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/AsRun"}}},
                        }
                    ),
                },
                "400": {"description": "Tham số sai", **_ERR},
                "401": {"description": "Chưa xác thực", **_ERR},
                "404": {"description": "Không có đài", **_ERR},
            },
        }
    },
    "/playout/status": {
        "get": {
            "summary": "Đang phát trên từng đài",
            "responses": {
                "200": {
                    "description": "OK",
                    **_json({"type": "object", "required": ["scheduler_running", "stations"]}),
                },
                "401": {"description": "Chưa xác thực", **_ERR},
                "403": {"description": "Không có quyền", **_ERR},
            },
        }
    },
    "/playout/commands": {
        "post": {
            "summary": "Gửi lệnh điều khiển (play, stop, skip) tới bộ lập lịch",
            "requestBody": {
                "required": True,
                **_json(
                    {
                        "type": "object",
                        "required": ["station", "action"],
                        "properties": {
                            "station": {"type": "string"},
                            "action": {"type": "string", "enum": ["play", "stop", "skip"]},
                            "session": {"type": "string"},
                            "date": {"type": "string", "format": "date"},
                        },
                    }
                ),
            },
            "responses": {
                "202": {"description": "Đã nhận lệnh", **_json({"type": "object", "required": ["id", "status"]})},
                "400": {"description": "Lệnh sai", **_ERR},
                "401": {"description": "Chưa xác thực", **_ERR},
                "403": {"description": "Không có quyền", **_ERR},
                "404": {"description": "Không có", **_ERR},
                "409": {"description": "Đài phát bằng tệp xuất", **_ERR},
                "415": {"description": "Sai kiểu nội dung", **_ERR},
            },
        }
    },
    "/playout/commands/{command_id}": {
        "get": {
            "summary": "Kết quả một lệnh",
            "parameters": [{"name": "command_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {
                "200": {"description": "OK", **_json({"type": "object", "required": ["id", "status"]})},
                "401": {"description": "Chưa xác thực", **_ERR},
                "404": {"description": "Không có", **_ERR},
            },
        }
    },
    "/playout/confirm": {
        "post": {
            "summary": "Xác nhận buổi phát của đài nhận tệp xuất (all, partly, none)",
            "requestBody": {
                "required": True,
                **_json(
                    {
                        "type": "object",
                        "required": ["station", "date", "session", "outcome"],
                        "properties": {
                            "station": {"type": "string"},
                            "date": {"type": "string", "format": "date"},
                            "session": {"type": "string"},
                            "outcome": {"type": "string", "enum": ["all", "partly", "none"]},
                            "items": {"type": "array", "items": {"type": "integer"}},
                            "note": {"type": "string"},
                        },
                    }
                ),
            },
            "responses": {
                "201": {
                    "description": "Đã ghi",
                    **_json(
                        {
                            "type": "object",
                            "required": ["items"],
                            "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/AsRun"}}},
                        }
                    ),
                },
                "400": {"description": "Sai", **_ERR},
                "401": {"description": "Chưa xác thực", **_ERR},
                "403": {"description": "Không có quyền", **_ERR},
                "404": {"description": "Không có", **_ERR},
                "409": {"description": "Đã xác nhận", **_ERR},
                "415": {"description": "Sai kiểu nội dung", **_ERR},
            },
        }
    },
}
