"""OpenAPI contract of the station devices endpoints (web/api/devices.py): PATHS relative to
/api/v1 and the SCHEMAS they name; web/api/openapi.py assembles the document."""

from __future__ import annotations

from broadcast.network import commands

_ERR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_DEVICE = {
    "type": "object",
    "required": ["code", "station", "clusters", "online", "last_seen", "now_playing", "version"],
    "properties": {
        "code": {"type": "string"},
        "station": {"type": "string"},
        "clusters": {"type": "array", "items": {"type": "string"}},
        "online": {"type": "boolean"},
        "last_seen": {"type": "string", "nullable": True},
        "now_playing": {"type": "string", "nullable": True},
        "version": {"type": "string", "nullable": True},
        "last_sync": {"type": "string", "nullable": True},
        "disk_free": {"type": "integer", "nullable": True},
        "temperature": {"type": "number", "nullable": True},
        "volume": {"type": "integer", "nullable": True},
        "clock_offset_ms": {"type": "integer", "nullable": True},
        "outbox_pending": {
            "type": "integer",
            "nullable": True,
            "description": "Dòng nhật ký phát thiết bị chưa gửi được về máy chủ (nhịp tim gần nhất)",
        },
        "outbox_oldest": {
            "type": "string",
            "nullable": True,
            "description": "Thời điểm dòng chưa gửi cũ nhất, theo đồng hồ máy chủ",
        },
        "revoked": {"type": "boolean"},
    },
}
_EVENT = {
    "type": "object",
    "required": ["kind", "at"],
    "properties": {
        "kind": {"type": "string", "enum": ["connect", "disconnect", "reboot", "command", "refused"]},
        "at": {"type": "string"},
        "detail": {"type": "object", "nullable": True},
    },
}
_CODE = [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}]


def _items(schema: dict) -> dict:
    return {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["items"],
                "properties": {"items": {"type": "array", "items": schema}},
            }
        }
    }


PATHS = {
    "/devices": {
        "get": {
            "summary": "Thiết bị phát tại đài và tình trạng",
            "parameters": [{"name": "station", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "OK", "content": _items(_DEVICE)}},
        }
    },
    "/devices/{code}/events": {
        "get": {
            "summary": "Lịch sử kết nối, khởi động lại, lệnh của thiết bị",
            "parameters": _CODE,
            "responses": {
                "200": {"description": "OK", "content": _items(_EVENT)},
                "404": {"description": "Không có thiết bị", **_ERR},
            },
        }
    },
    "/devices/{code}/commands": {
        "post": {
            "summary": "Gửi lệnh cho thiết bị",
            "parameters": _CODE,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["action"],
                            "properties": {
                                "action": {"type": "string", "enum": list(commands.ACTIONS)},
                                "args": {"type": "object"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "202": {
                    "description": "Đã xếp lệnh",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["id", "action", "status"],
                                "properties": {
                                    "id": {"type": "integer"},
                                    "action": {"type": "string"},
                                    "status": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "400": {"description": "Dữ liệu không hợp lệ", **_ERR},
                "404": {"description": "Không có thiết bị", **_ERR},
                "409": {"description": "Thiết bị đã bị thu hồi", **_ERR},
                "415": {"description": "Không phải JSON", **_ERR},
            },
        }
    },
}
