"""OpenAPI contract of the airtime reports and plans endpoints (web/api/reports.py): PATHS relative to
/api/v1 and the SCHEMAS they name; web/api/openapi.py assembles the document."""

from __future__ import annotations

from broadcast.reports.formats import FORMATS

_ERR = {
    "description": "Tham số không hợp lệ (kỳ báo cáo, đài, cụm loa, định dạng)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
_UNAUTH = {
    "description": "Chưa xác thực",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
_FORBIDDEN = {
    "description": "Vai trò không được phép",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
_WARD = {
    "name": "ward",
    "in": "query",
    "schema": {"type": "array", "items": {"type": "string"}},
    "style": "form",
    "explode": True,
    "description": "Mã phường, xã (lặp lại hoặc cách nhau bởi dấu phẩy); mặc định: phường của tài khoản, "
    "tài khoản cấp tỉnh: cả tỉnh",
}
_FIGURES = {
    "type": "object",
    "required": ["airings", "duration_s"],
    "properties": {"airings": {"type": "integer"}, "duration_s": {"type": "integer"}},
}

SCHEMAS = {
    "AirtimeReport": {
        "type": "object",
        "required": [
            "period",
            "totals",
            "by_category",
            "by_department",
            "by_station",
            "by_bulletin",
            "by_day",
            "targets",
        ],
        "properties": {
            "period": {
                "type": "object",
                "required": ["label", "start", "end"],
                "properties": {
                    "code": {"type": "string"},
                    "label": {"type": "string"},
                    "start": {"type": "string", "format": "date"},
                    "end": {"type": "string", "format": "date"},
                },
            },
            "totals": {
                "type": "object",
                "required": ["airings", "duration_s", "cchc_duration_s", "bulletins"],
                "properties": {
                    k: {"type": "integer"}
                    for k in (
                        "airings",
                        "duration_s",
                        "cchc_duration_s",
                        "bulletins",
                        "sessions_aired",
                        "sessions_missed",
                        "manual_airings",
                    )
                },
            },
            "by_category": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "name", "airings", "duration_s"],
                    "properties": {
                        "code": {"type": "string"},
                        "name": {"type": "string"},
                        "airings": {"type": "integer"},
                        "duration_s": {"type": "integer"},
                        "is_cchc": {"type": "boolean"},
                    },
                },
            },
            "by_department": {"type": "array", "items": _FIGURES},
            "by_station": {"type": "array", "items": _FIGURES},
            "by_bulletin": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["title", "airings"],
                    "properties": {"title": {"type": "string"}, "airings": {"type": "integer"}},
                },
            },
            "by_day": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["date", "duration_s"],
                    "properties": {"date": {"type": "string", "format": "date"}, "duration_s": {"type": "integer"}},
                },
            },
            "targets": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["target", "achieved", "percent"],
                    "properties": {
                        "target": {"type": "number"},
                        "achieved": {"type": "number"},
                        "percent": {"type": "number", "nullable": True},
                    },
                },
            },
            "narrative": {"type": "string"},
            "cluster": {
                "type": "object",
                "description": "Chỉ có khi lọc theo cụm loa",
                "required": ["code", "name"],
                "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
            },
            "province": {
                "type": "object",
                "description": "Chỉ có khi báo cáo gồm nhiều phường, xã: tỉnh và cơ quan ban hành báo cáo",
                "required": ["code", "name"],
                "properties": {
                    "code": {"type": "string"},
                    "name": {"type": "string"},
                    "issuer": {"type": "string", "nullable": True},
                },
            },
            "by_ward": {
                "type": "array",
                "description": "Chỉ có khi báo cáo gồm nhiều phường, xã: tổng các đài của từng phường, xã",
                "items": {
                    "type": "object",
                    "required": ["code", "name", "airings", "duration_s", "by_category"],
                    "properties": {
                        "code": {"type": "string"},
                        "name": {"type": "string"},
                        **{
                            k: {"type": "integer"}
                            for k in ("stations", "airings", "duration_s", "cchc_duration_s", "sessions_aired")
                        },
                        "cchc_share_percent": {"type": "number", "nullable": True},
                        "by_category": {"type": "array", "items": {"type": "object"}},
                        "devices": {"type": "object", "description": "Khi các đài có thiết bị phát"},
                    },
                },
            },
            "compliance": {
                "type": "array",
                "description": "Chỉ có khi báo cáo gồm nhiều phường, xã: từng phường, xã so với kế hoạch của mình, "
                "chưa đạt xếp trước, chưa có kế hoạch xếp cuối",
                "items": {
                    "type": "object",
                    "required": ["code", "status", "achievement_percent", "report_due"],
                    "properties": {
                        "code": {"type": "string"},
                        "status": {"type": "string", "enum": ["behind", "met", "no_targets", "no_plan"]},
                        "achievement_percent": {"type": "number", "nullable": True},
                        "report_due": {"type": "string", "format": "date", "nullable": True},
                        "targets": {"type": "array", "items": {"type": "object"}},
                    },
                },
            },
            "devices": {
                "type": "array",
                "description": "Chỉ có khi các đài trong báo cáo có thiết bị phát (trạm phát tại chỗ)",
                "items": {
                    "type": "object",
                    "required": ["code", "station", "airings", "duration_s", "offline_s"],
                    "properties": {
                        "code": {"type": "string"},
                        "station": {"type": "string"},
                        "clusters": {"type": "array", "items": {"type": "string"}},
                        **{
                            k: {"type": "integer"}
                            for k in ("airings", "duration_s", "sessions_aired", "missed", "skipped", "offline_s")
                        },
                        "minutes": {"type": "number"},
                        "offline_minutes": {"type": "number"},
                        "revoked": {"type": "boolean"},
                    },
                },
            },
        },
    },
}

SCHEMAS["UpwardExport"] = {
    "type": "object",
    "description": "Lược đồ JSON đầy đủ (draft 2020-12, phiên bản 1.0): broadcast/upward/schema/v1.json",
    "required": ["schema", "schema_version", "province", "period", "totals", "wards", "deliveries"],
    "properties": {
        "schema": {"type": "string"},
        "schema_version": {"type": "string", "example": "1.0"},
        "province": {"type": "object", "nullable": True},
        "period": {"type": "object"},
        "totals": {"type": "object"},
        "wards": {"type": "array", "items": {"type": "object"}},
        "deliveries": {"type": "array", "items": {"type": "object"}},
    },
}

PATHS = {
    "/export/province": {
        "get": {
            "summary": "Dữ liệu báo cáo lên hệ thống thông tin nguồn cấp tỉnh (tài khoản phường, xã: chỉ phường mình)",
            "parameters": [
                {
                    "name": "period",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "example": "2026-Q3"},
                    "description": "2026-10, 2026-Q3, 2026-H1, 2026-9M hoặc 2026",
                },
                _WARD,
                {"name": "format", "in": "query", "schema": {"type": "string", "default": "json"}},
            ],
            "responses": {
                "200": {
                    "description": "Thời lượng theo phường, xã, đài và chuyên mục; thiết bị; tin cấp tỉnh gửi xuống",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UpwardExport"}}},
                },
                "400": _ERR,
                "401": _UNAUTH,
                "403": _FORBIDDEN,
            },
        }
    },
    "/reports/airtime": {
        "get": {
            "summary": "Báo cáo thời lượng phát thanh theo kỳ (tháng, quý, 6 tháng, 9 tháng, năm hoặc khoảng ngày)",
            "parameters": [
                {
                    "name": "period",
                    "in": "query",
                    "schema": {"type": "string", "example": "2025-10"},
                    "description": "2025-10, 2025-Q3, 2025-H1, 2025-9M hoặc 2025; hoặc dùng from/to",
                },
                {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
                {
                    "name": "station",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "Mã đài; mặc định tất cả",
                },
                {
                    "name": "cluster",
                    "in": "query",
                    "schema": {"type": "string", "example": "TDP01"},
                    "description": "Mã cụm loa: chỉ tính các lượt phát nghe được ở cụm này",
                },
                _WARD,
                {
                    "name": "format",
                    "in": "query",
                    "schema": {"type": "string", "enum": list(FORMATS), "default": "json"},
                },
            ],
            "responses": {
                "200": {
                    "description": "Báo cáo (JSON) hoặc tệp CSV/XLSX/HTML/PDF",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/AirtimeReport"}},
                        "text/csv": {"schema": {"type": "string"}},
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                            "schema": {"type": "string", "format": "binary"}
                        },
                        "text/html": {"schema": {"type": "string"}},
                        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                    },
                },
                "400": _ERR,
                "401": _UNAUTH,
                "403": _FORBIDDEN,
            },
        }
    },
    "/plans": {
        "get": {
            "summary": "Kế hoạch tuyên truyền, chỉ tiêu và hạn báo cáo kế tiếp",
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["items"],
                                "properties": {
                                    "items": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id", "title", "targets"],
                                            "properties": {
                                                "id": {"type": "integer"},
                                                "title": {"type": "string"},
                                                "targets": {"type": "array", "items": {"type": "object"}},
                                            },
                                        },
                                    },
                                    "next_deadline": {"type": "object", "nullable": True},
                                },
                            }
                        }
                    },
                },
                "401": _UNAUTH,
                "403": _FORBIDDEN,
            },
        }
    },
}
