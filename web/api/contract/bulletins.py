"""OpenAPI contract of the bulletins endpoints (web/api/bulletins.py): PATHS relative to
/api/v1 and the SCHEMAS they name; web/api/openapi.py assembles the document."""

from __future__ import annotations

from broadcast.bulletins import queries, service, targets, workflow
from broadcast.domain.categories import CATEGORY_CODES
from broadcast.province import targets as province_targets

_ERR = {"$ref": "#/components/schemas/Error"}


def _err(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ERR}}}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ID = [{"name": "bulletin_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}]
_B = {"$ref": "#/components/schemas/Bulletin"}
_COMMON = {"401": _err("Chưa xác thực"), "403": _err("Không có quyền")}
_ONE = {**_COMMON, "404": _err("Không tìm thấy tin")}


def _op(summary: str, responses: dict, *, body: dict | None = None, params=None, body_required=True) -> dict:
    op = {"summary": summary, "responses": responses}
    if params:
        op["parameters"] = params
    if body:
        op["requestBody"] = {"required": body_required, "content": body}
    return op


def _action_doc(summary: str, reason_required: bool = False) -> dict:
    schema = {"$ref": "#/components/schemas/Reason"}
    return {
        "post": _op(
            summary,
            {
                "200": _json(_B),
                "400": _err("Dữ liệu không hợp lệ"),
                "409": _err("Trạng thái không cho phép"),
                "415": _err("Sai kiểu nội dung"),
                **_ONE,
            },
            body={"application/json": {"schema": schema}},
            params=_ID,
            body_required=reason_required,
        )
    }


_DATE = {"type": "string", "format": "date"}
# Text with at least one visible character and no NUL (what service.validate accepts).
_TEXT = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
_STATUSES = "|".join(workflow.STATUS_LABELS)
_FIELDS = {
    "title": {"type": "string", "minLength": 1, "maxLength": service.MAX_TITLE, "pattern": _TEXT},
    "body": {"type": "string", "minLength": 1, "maxLength": service.MAX_BODY, "pattern": _TEXT},
    "category": {"type": "string", "enum": list(CATEGORY_CODES)},
    "department": {"type": "string"},
    "priority": {"type": "string", "enum": ["normal", "priority", "emergency"]},
    "valid_from": {**_DATE, "pattern": r"^20\d\d-"},  # service.validate: years 2000-2099
    "valid_until": {**_DATE, "pattern": r"^20\d\d-"},
    "airings": {"type": "integer", "minimum": 1, "maximum": service.MAX_AIRINGS},
    "stations": {"type": "array", "items": {"type": "string"}},
    "wards": {
        "oneOf": [
            {"type": "string", "enum": ["all"]},
            {"type": "array", "items": {"type": "string"}, "maxItems": province_targets.MAX_WARDS},
        ],
        "description": 'Chỉ tin của đơn vị cấp tỉnh: nơi nhận là "all" (mọi phường, xã) hoặc danh sách mã '
        "phường, xã (các đài của họ, cùng các đài trong «stations»). Tin của tỉnh không chọn nơi nhận bị từ chối "
        "(400).",
    },
    "clusters": {
        "type": "array",
        "items": {"type": "string", "minLength": 1, "maxLength": 40},
        "maxItems": targets.MAX_CLUSTERS,
        "description": "Mã cụm loa (tổ dân phố) của các đài tin phát, ví dụ "
        + targets.EXAMPLE
        + "; rỗng = mọi cụm. Ở đài không có cụm nào được chọn, tin phát cho cả đài.",
    },
    "voice": {
        "type": "object",
        "nullable": True,
        "description": "Giọng đọc riêng của tin (GET /voices); null = giọng của đài.",
        "required": ["engine", "voice"],
        "properties": {
            "engine": {"type": "string"},
            "voice": {"type": "string"},
            "speed": {"type": "number", "minimum": 0.8, "maximum": 1.2},
        },
    },
}
_PUBLIC_CHOICE = {
    "type": "boolean",
    "nullable": True,
    "description": "Đăng lên trang nghe công khai: true, false, hoặc null = theo mặc định của chuyên mục "
    "(thông báo và khác: không; các chuyên mục khác: có). Chỉ người duyệt tin và quản trị được đặt (403).",
}
_NULLABLE_DT = {"type": "string", "format": "date-time", "nullable": True}

SCHEMAS = {
    "Bulletin": {
        "type": "object",
        "required": [
            "id",
            "title",
            "body",
            "category",
            "department",
            "priority",
            "status",
            "valid_from",
            "valid_until",
            "airings",
            "stations",
            "clusters",
            "version",
        ],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "body": {"type": "string"},
            "spoken_text": {"type": "string", "nullable": True},
            "category": {"type": "string"},
            "department": {"type": "string"},
            "priority": _FIELDS["priority"],
            "status": {"type": "string", "enum": list(workflow.STATUS_LABELS)},
            "status_label": {"type": "string"},
            "valid_from": _DATE,
            "valid_until": _DATE,
            "airings": {"type": "integer"},
            "airings_left": {"type": "integer"},
            "all_stations": {"type": "boolean"},
            "stations": {"type": "array", "items": {"type": "string"}},
            "clusters": {"type": "array", "items": {"type": "string"}},
            "voice": _FIELDS["voice"],
            "author": {"type": "string"},
            "version": {"type": "integer"},
            "has_recording": {"type": "boolean"},
            "review_comment": {"type": "string", "nullable": True},
            "estimated_duration_s": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "submitted_at": _NULLABLE_DT,
            "approved_at": _NULLABLE_DT,
            "approved_by": {"type": "string", "nullable": True},
            "public": {
                "type": "boolean",
                "description": "Tin có lên trang nghe công khai khi đã phát hay không (lựa chọn của người duyệt, "
                "hoặc mặc định của chuyên mục).",
            },
            "public_choice": _PUBLIC_CHOICE,
        },
    },
    "BulletinInput": {
        "type": "object",
        "additionalProperties": False,
        "required": ["title", "body", "category", "valid_from", "valid_until"],
        "properties": {**_FIELDS, "submit": {"type": "boolean"}},
    },
    "BulletinPatch": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            **_FIELDS,
            "spoken_text": {"type": "string", "maxLength": service.MAX_BODY},
            "public_choice": _PUBLIC_CHOICE,
        },
    },
    "BulletinPage": {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages"],
        "properties": {
            "items": {"type": "array", "items": _B},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "pages": {"type": "integer"},
        },
    },
    "Reason": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"reason": {"type": "string", "maxLength": workflow.MAX_REASON}},
    },
}

_LIST_PARAMS = [
    {
        "name": "status",
        "in": "query",
        "schema": {"type": "string", "pattern": f"^({_STATUSES})(,({_STATUSES}))*$"},
        "description": "Một hoặc nhiều trạng thái, phân cách bằng dấu phẩy",
    },
    {"name": "category", "in": "query", "schema": {"type": "string"}},
    {"name": "department", "in": "query", "schema": {"type": "string"}},
    {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Tìm trong tiêu đề và nội dung"},
    {"name": "date", "in": "query", "schema": _DATE, "description": "Tin còn trong khung phát vào ngày này"},
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": queries.MAX_PAGE}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": queries.MAX_PER_PAGE}},
]

PATHS = {
    "/bulletins": {
        "post": _op(
            "Tạo tin (submit=true để gửi duyệt ngay)",
            {
                "201": _json(_B, "Đã tạo"),
                "400": _err("Dữ liệu không hợp lệ"),
                "415": _err("Sai kiểu nội dung"),
                **_COMMON,
            },
            body={"application/json": {"schema": {"$ref": "#/components/schemas/BulletinInput"}}},
        ),
        "get": _op(
            "Danh sách tin (lọc và phân trang)",
            {
                "200": _json({"$ref": "#/components/schemas/BulletinPage"}),
                "400": _err("Tham số không hợp lệ"),
                **_COMMON,
            },
            params=_LIST_PARAMS,
        ),
    },
    "/bulletins/{bulletin_id}": {
        "get": _op("Một tin", {"200": _json(_B), **_ONE}, params=_ID),
        "patch": _op(
            "Sửa tin (sửa nội dung tin đã duyệt sẽ đưa tin về chờ duyệt)",
            {
                "200": _json(_B),
                "400": _err("Dữ liệu không hợp lệ"),
                "409": _err("Trạng thái không cho phép sửa"),
                "415": _err("Sai kiểu nội dung"),
                **_ONE,
            },
            body={"application/json": {"schema": {"$ref": "#/components/schemas/BulletinPatch"}}},
            params=_ID,
        ),
    },
    "/bulletins/{bulletin_id}/submit": _action_doc("Gửi duyệt"),
    "/bulletins/{bulletin_id}/approve": _action_doc("Duyệt tin"),
    "/bulletins/{bulletin_id}/reject": _action_doc("Trả lại tin (cần lý do)", reason_required=True),
    "/bulletins/{bulletin_id}/withdraw": _action_doc("Rút tin"),
    "/bulletins/{bulletin_id}/comments": {
        "post": _op(
            "Thêm bình luận",
            {
                "201": _json(
                    {
                        "type": "object",
                        "required": ["id", "body"],
                        "properties": {
                            "id": {"type": "integer"},
                            "body": {"type": "string"},
                            "author": {"type": "string"},
                            "created_at": {"type": "string", "format": "date-time"},
                        },
                    },
                    "Đã thêm",
                ),
                "400": _err("Dữ liệu không hợp lệ"),
                "415": _err("Sai kiểu nội dung"),
                **_ONE,
            },
            body={
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["body"],
                        "properties": {"body": {"type": "string", "minLength": 1, "maxLength": service.MAX_COMMENT}},
                    }
                }
            },
            params=_ID,
        )
    },
    "/bulletins/{bulletin_id}/audio": {
        "get": _op(
            "Âm thanh hiện tại của tin (đọc máy hoặc bản ghi âm), MP3 đã chuẩn hóa độ lớn",
            {
                "200": {
                    "description": "MP3",
                    "content": {"audio/mpeg": {"schema": {"type": "string", "format": "binary"}}},
                },
                **_ONE,
            },
            params=_ID,
        )
    },
    "/bulletins/{bulletin_id}/recording": {
        "post": _op(
            "Tải lên bản ghi âm (MP3/WAV/M4A/OGG/WebM, tối đa 20 MB)",
            {
                "201": _json(
                    {
                        "type": "object",
                        "required": ["bulletin", "recording"],
                        "properties": {
                            "bulletin": _B,
                            "recording": {
                                "type": "object",
                                "properties": {
                                    "format": {"type": "string"},
                                    "duration": {"type": "number"},
                                    "size": {"type": "integer"},
                                },
                            },
                        },
                    },
                    "Đã lưu",
                ),
                "400": _err("Không phải tệp âm thanh hoặc tên tệp chứa đường dẫn"),
                "409": _err("Trạng thái không cho phép"),
                "413": _err("Tệp quá lớn"),
                "415": _err("Sai kiểu nội dung"),
                **_ONE,
            },
            body={
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                }
            },
            params=_ID,
        )
    },
}
