"""OpenAPI contract of the deliveries endpoints (web/api/deliveries.py): province bulletins sent down to the
wards' stations, the ward's decision on each, and the province's delivery board."""

from __future__ import annotations

from broadcast.province import decisions
from broadcast.province.deliveries import STATES

_ERR = {"$ref": "#/components/schemas/Error"}
_DT = {"type": "string", "format": "date-time", "nullable": True}
_LEVEL = {"type": "string", "enum": ["normal", "priority", "emergency"]}
_D = {"$ref": "#/components/schemas/Delivery"}
_ID = [{"name": "delivery_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}]
_BID = [{"name": "bulletin_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}]


def _err(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ERR}}}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_COMMON = {"401": _err("Chưa xác thực"), "403": _err("Không có quyền")}
_ONE = {**_COMMON, "404": _err("Không có tin gửi xuống này (hoặc của phường khác)")}


def _decision(summary: str, body: dict, *, required: bool) -> dict:
    return {
        "post": {
            "summary": summary,
            "parameters": _ID,
            "requestBody": {"required": required, "content": {"application/json": {"schema": body}}},
            "responses": {
                "200": _json(_D),
                "400": _err("Dữ liệu không hợp lệ (ví dụ thiếu lý do từ chối)"),
                "409": _err("Đã quyết định rồi (đã nhận phát hoặc đã từ chối)"),
                "415": _err("Sai kiểu nội dung"),
                **_ONE,
            },
        }
    }


_STATION_ROW = {
    "type": "object",
    "required": ["delivery_id", "station_code", "level", "state"],
    "properties": {
        "delivery_id": {"type": "integer"},
        "station_id": {"type": "integer"},
        "station_code": {"type": "string"},
        "station_name": {"type": "string"},
        "level": _LEVEL,
        "state": {"type": "string", "enum": list(STATES)},
        "stored_state": {"type": "string", "enum": ["waiting", "accepted", "declined"]},
        "reason": {"type": "string", "nullable": True},
        "decided_at": _DT,
        "position": {"type": "integer", "nullable": True},
        "airings": {"type": "integer"},
        "first_aired_at": _DT,
        "last_aired_at": _DT,
        "first_scheduled_at": _DT,
        "last_scheduled_at": _DT,
    },
}
_TOTALS = {
    "type": "object",
    "required": ["stations", "aired", "by_state"],
    "properties": {
        "stations": {"type": "integer"},
        "aired": {"type": "integer"},
        "by_state": {"type": "object", "additionalProperties": {"type": "integer"}},
    },
}

SCHEMAS = {
    "Delivery": {
        "type": "object",
        "required": ["id", "bulletin_id", "station", "level", "state"],
        "properties": {
            "id": {"type": "integer"},
            "bulletin_id": {"type": "integer"},
            "bulletin_title": {"type": "string"},
            "station": {"type": "string"},
            "level": _LEVEL,
            "state": {"type": "string", "enum": ["waiting", "accepted", "declined"]},
            "reason": {"type": "string", "nullable": True},
            "position": {"type": "integer", "nullable": True},
            "decided_by": {"type": "string", "nullable": True},
            "decided_at": _DT,
            "created_at": _DT,
        },
    },
    "DeliveryBoard": {
        "type": "object",
        "required": ["bulletin", "totals", "wards"],
        "properties": {
            "bulletin": {"type": "object"},
            "totals": _TOTALS,
            "states": {"type": "array", "items": {"type": "string"}},
            "wards": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "name", "totals", "stations"],
                    "properties": {
                        "code": {"type": "string"},
                        "name": {"type": "string"},
                        "totals": _TOTALS,
                        "stations": {"type": "array", "items": _STATION_ROW},
                    },
                },
            },
        },
    },
}

PATHS = {
    "/deliveries": {
        "get": {
            "summary": "Hàng chờ tin của tỉnh gửi xuống các đài của phường (chờ quyết định trước)",
            "responses": {
                "200": _json({"type": "object", "properties": {"items": {"type": "array", "items": _D}}}),
                **_COMMON,
            },
        }
    },
    "/deliveries/{delivery_id}/accept": _decision(
        "Nhận phát tin của tỉnh (tin mức thường)", {"type": "object", "additionalProperties": False}, required=False
    ),
    "/deliveries/{delivery_id}/decline": _decision(
        "Từ chối phát tin của tỉnh (cần lý do)",
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["reason"],
            "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": decisions.MAX_REASON}},
        },
        required=True,
    ),
    "/deliveries/{delivery_id}/position": _decision(
        "Thứ tự của tin ưu tiên của tỉnh giữa các tin ưu tiên của phường (0 = đầu buổi; null = tự động)",
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["position"],
            "properties": {
                "position": {"type": "integer", "nullable": True, "minimum": 0, "maximum": decisions.MAX_POSITION}
            },
        },
        required=True,
    ),
    "/bulletins/{bulletin_id}/deliveries": {
        "get": {
            "summary": "Bảng theo dõi tin của tỉnh: trạng thái ở từng đài nhận (theo phường) và tổng số",
            "parameters": _BID,
            "responses": {
                "200": _json({"$ref": "#/components/schemas/DeliveryBoard"}),
                **_COMMON,
                "404": _err("Không tìm thấy tin"),
            },
        }
    },
}
