"""OpenAPI contract of the station agents (device tokens) endpoints (web/api/agent.py): PATHS relative to
/api/v1 and the SCHEMAS they name; web/api/openapi.py assembles the document."""

from __future__ import annotations

_ERR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _op(summary: str, schema: dict, extra: dict | None = None, body: dict | None = None) -> dict:
    op = {
        "summary": summary,
        "tags": ["agent"],
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
            "404": {"description": "Không tìm thấy", **_ERR},
            **(extra or {}),
        },
    }
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        op["responses"].update(
            {"400": {"description": "Dữ liệu không hợp lệ", **_ERR}, "415": {"description": "Không phải JSON", **_ERR}}
        )
    return op


_OBJ = {"type": "object"}
PATHS = {
    "/agent/manifest": {
        "get": {
            **_op(
                "Chương trình các ngày tới của đài (thiết bị)",
                _OBJ,
                {"400": {"description": "Số ngày không hợp lệ", **_ERR}},
            ),
            "parameters": [{"name": "days", "in": "query", "schema": {"type": "integer"}}],
        }
    },
    "/agent/media/{sha256}": {
        "get": {
            **_op("Tệp âm thanh theo SHA-256 (thiết bị)", {"type": "string"}),
            "parameters": [{"name": "sha256", "in": "path", "required": True, "schema": {"type": "string"}}],
        }
    },
    "/agent/live/{live_id}": {
        "get": {
            **_op("Âm thanh buổi phát trực tiếp khi đang đến (thiết bị được lệnh live)", {"type": "string"}),
            "parameters": [{"name": "live_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        }
    },
    "/agent/asrun": {
        "post": _op(
            "Gửi nhật ký phát (thiết bị), lưu một lần theo uid",
            {"type": "object", "required": ["stored", "already_stored", "rejected"]},
            body={
                "type": "object",
                "properties": {"station": {"type": "string"}, "rows": {"type": "array", "items": _OBJ}},
            },
        )
    },
    "/agent/status": {"post": _op("Nhịp tim của thiết bị qua HTTP", _OBJ, body=_OBJ)},
    "/agent/commands": {"get": _op("Lệnh đang chờ của thiết bị", _OBJ)},
    "/agent/commands/{command_id}/ack": {
        "post": {
            **_op(
                "Thiết bị xác nhận lệnh",
                _OBJ,
                {
                    "400": {"description": "Dữ liệu không hợp lệ", **_ERR},
                    "415": {"description": "Không phải JSON", **_ERR},
                },
            ),
            "parameters": [{"name": "command_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        }
    },
}
