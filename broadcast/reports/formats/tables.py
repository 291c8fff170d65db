"""The report as titled tables with typed columns: one shape for CSV, XLSX, HTML and PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ...domain.categories import CCHC_GROUP


@dataclass(frozen=True)
class Col:
    title: str
    kind: str = "text"  # text | int | minutes | percent | date | datetime | bool
    width: int = 12


@dataclass
class Table:
    key: str
    title: str
    cols: list[Col]
    rows: list[list]
    emphasis: set[int] | None = None  # indexes of subtotal/total rows
    note: str | None = None  # a sentence shown under the title (what the figures cover)


def _minutes(seconds) -> float:
    return round((seconds or 0) / 60, 1)


def _d(iso: str | None):
    return date.fromisoformat(iso) if iso else None


def _dt(iso: str | None):
    return datetime.fromisoformat(iso).replace(tzinfo=None) if iso else None


def summary_table(r: dict) -> Table:
    t = r["totals"]
    rows = [
        ["Tổng số lượt phát", t["airings"], "lượt"],
        ["Tổng thời lượng phát", _minutes(t["duration_s"]), "phút"],
        ["Lượt phát tin CCHC", t["cchc_airings"], "lượt"],
        ["Thời lượng tin CCHC", _minutes(t["cchc_duration_s"]), "phút"],
        ["Tỷ lệ thời lượng tin CCHC", t["cchc_share_percent"], "%"],
        ["Số tin, bài khác nhau đã phát", t["bulletins"], "tin, bài"],
        ["Số buổi phát thanh đã thực hiện", t["sessions_aired"], "buổi"],
        ["Số buổi có tin CCHC", t["cchc_sessions"], "buổi"],
        ["Số buổi không phát được", t["sessions_missed"], "buổi"],
        ["Lượt bị ngắt giữa chừng (tính phần đã phát)", t["interrupted"], "lượt"],
        ["Lượt xác nhận thủ công", t["manual_airings"], "lượt"],
        ["Lượt không phát (lỗi, bỏ qua, lỡ buổi)", t["not_aired"], "lượt"],
    ]
    return Table(
        "totals",
        "Tổng hợp",
        [Col("Nội dung", "text", 44), Col("Số liệu", "number", 12), Col("Đơn vị tính", "text", 12)],
        rows,
    )


def category_table(r: dict) -> Table:
    cols = [
        Col("Mã", "text", 20),
        Col("Chuyên mục", "text", 48),
        Col("Lượt phát", "int", 10),
        Col("Thời lượng (phút)", "minutes", 14),
        Col("Trong đó thủ công (lượt)", "int", 14),
    ]
    rows, emphasis = [], set()
    groups = {g["code"]: g for g in r["category_groups"]}
    for group_code in (CCHC_GROUP, "other"):
        members = [c for c in r["by_category"] if (c["group"] == CCHC_GROUP) == (group_code == CCHC_GROUP)]
        for c in members:
            rows.append([c["code"], c["name"], c["airings"], _minutes(c["duration_s"]), c.get("manual_airings", 0)])
        g = groups[group_code]
        emphasis.add(len(rows))
        rows.append(
            [
                g["code"],
                "Cộng " + g["name"].lower() if group_code == "other" else "Cộng tin CCHC",
                g["airings"],
                _minutes(g["duration_s"]),
                g.get("manual_airings", 0),
            ]
        )
    t = r["totals"]
    emphasis.add(len(rows))
    rows.append(["", "TỔNG CỘNG", t["airings"], _minutes(t["duration_s"]), t["manual_airings"]])
    return Table("by_category", "Theo chuyên mục (lĩnh vực CCHC gộp nhóm)", cols, rows, emphasis)


def department_table(r: dict) -> Table:
    cols = [
        Col("Mã", "text", 10),
        Col("Đơn vị", "text", 40),
        Col("Lượt phát", "int", 10),
        Col("Thời lượng (phút)", "minutes", 14),
        Col("Tin CCHC (phút)", "minutes", 14),
    ]
    rows = [
        [d["code"], d["name"], d["airings"], _minutes(d["duration_s"]), _minutes(d["cchc_duration_s"])]
        for d in r["by_department"]
    ]
    return Table("by_department", "Theo đơn vị gửi tin", cols, rows)


def station_table(r: dict) -> Table:
    cols = [
        Col("Mã", "text", 10),
        Col("Đài", "text", 36),
        Col("Lượt phát", "int", 10),
        Col("Thời lượng (phút)", "minutes", 14),
        Col("Tin CCHC (phút)", "minutes", 14),
        Col("Buổi đã phát", "int", 10),
        Col("Buổi không phát", "int", 12),
    ]
    rows = [
        [
            s["code"],
            s["name"],
            s["airings"],
            _minutes(s["duration_s"]),
            _minutes(s["cchc_duration_s"]),
            s["sessions_aired"],
            s["sessions_missed"],
        ]
        for s in r["by_station"]
    ]
    return Table("by_station", "Theo đài truyền thanh", cols, rows)


def ward_table(r: dict) -> Table | None:
    """The wards of a report spanning several (the sums of their stations' lines), with their devices'
    availability when the stations have devices."""
    if "by_ward" not in r:
        return None
    devices = any("devices" in w for w in r["by_ward"])
    cols = [
        Col("Mã", "text", 12),
        Col("Phường, xã", "text", 30),
        Col("Số đài", "int", 8),
        Col("Lượt phát", "int", 10),
        Col("Thời lượng (phút)", "minutes", 12),
        Col("Tin CCHC (phút)", "minutes", 12),
        Col("Tỷ lệ CCHC (%)", "percent", 10),
        Col("Buổi đã phát", "int", 10),
        Col("Buổi không phát", "int", 10),
    ]
    if devices:
        cols.append(Col("Thiết bị hoạt động (%)", "percent", 12))
    rows = []
    for w in r["by_ward"]:
        row = [
            w["code"],
            w["name"],
            w["stations"],
            w["airings"],
            _minutes(w["duration_s"]),
            _minutes(w["cchc_duration_s"]),
            w["cchc_share_percent"],
            w["sessions_aired"],
            w["sessions_missed"],
        ]
        if devices:
            row.append((w.get("devices") or {}).get("availability_percent"))
        rows.append(row)
    return Table("by_ward", "Theo phường, xã", cols, rows)


def ward_category_table(r: dict) -> Table | None:
    """Each ward's airtime per category (the categories that aired there)."""
    if "by_ward" not in r:
        return None
    cols = [
        Col("Phường, xã", "text", 24),
        Col("Mã chuyên mục", "text", 20),
        Col("Chuyên mục", "text", 40),
        Col("CCHC", "text", 6),
        Col("Lượt phát", "int", 10),
        Col("Thời lượng (phút)", "minutes", 12),
    ]
    rows = [
        [w["code"], c["code"], c["name"], "x" if c["is_cchc"] else "", c["airings"], _minutes(c["duration_s"])]
        for w in r["by_ward"]
        for c in w["by_category"]
    ]
    return Table("by_ward_category", "Theo phường, xã và chuyên mục", cols, rows)


COMPLIANCE_STATUS = {
    "behind": "Chưa đạt",
    "met": "Đạt",
    "no_targets": "Kế hoạch chưa có chỉ tiêu",
    "no_plan": "Chưa có kế hoạch",
}


def compliance_table(r: dict) -> Table | None:
    """Each ward against its own plan (the wards behind first) and its report deadline for the period."""
    if "compliance" not in r:
        return None
    cols = [
        Col("Mã", "text", 12),
        Col("Phường, xã", "text", 28),
        Col("Kế hoạch", "text", 30),
        Col("Chỉ tiêu đạt", "text", 10),
        Col("Mức đạt (%)", "percent", 10),
        Col("Đánh giá", "text", 16),
        Col("Hạn báo cáo", "date", 12),
    ]
    rows = [
        [
            c["code"],
            c["name"],
            (c["plan"]["title"] if c["plan"] else "–"),
            f"{c['targets_met']}/{c['targets_total']}" if c["plan"] else "–",
            c["achievement_percent"],
            COMPLIANCE_STATUS[c["status"]],
            _d(c["report_due"]),
        ]
        for c in r["compliance"]
    ]
    note = "Mỗi phường, xã đối chiếu với chỉ tiêu kế hoạch của chính mình; phường, xã chưa đạt xếp trước."
    return Table("compliance", "Thực hiện kế hoạch của các phường, xã", cols, rows, note=note)


def device_table(r: dict) -> Table | None:
    """The station agents (only in a report whose stations have devices)."""
    if "devices" not in r:
        return None
    cols = [
        Col("Thiết bị", "text", 12),
        Col("Đài", "text", 10),
        Col("Cụm loa phục vụ", "text", 18),
        Col("Lượt phát", "int", 10),
        Col("Thời lượng (phút)", "minutes", 12),
        Col("Buổi đã phát", "int", 10),
        Col("Lượt lỗi, lỡ buổi", "int", 10),
        Col("Lượt bỏ qua", "int", 10),
        Col("Mất kết nối (phút)", "minutes", 12),
    ]
    rows = [
        [
            d["code"] + (" (đã thu hồi)" if d["revoked"] else ""),
            d["station"],
            ", ".join(d["clusters"]) or "Cả đài",
            d["airings"],
            _minutes(d["duration_s"]),
            d["sessions_aired"],
            d["missed"],
            d["skipped"],
            _minutes(d["offline_s"]),
        ]
        for d in r["devices"]
    ]
    return Table("devices", "Theo thiết bị phát (lượt phát và thời gian mất kết nối trong kỳ)", cols, rows)


def relay_table(r: dict) -> Table | None:
    """Relayed time by upstream beside the station's own content (only in a report with relays)."""
    if "relays" not in r:
        return None
    rel = r["relays"]
    cols = [
        Col("Nguồn", "text", 24),
        Col("Loại nguồn", "text", 16),
        Col("Lượt tiếp sóng", "int", 10),
        Col("Tiếp sóng (phút)", "minutes", 12),
        Col("Dự phòng đã phát (phút)", "minutes", 12),
        Col("Lượt không tiếp sóng được", "int", 10),
    ]
    rows = [
        [
            u["upstream"],
            u["category_name"],
            u["slots"],
            _minutes(u["relayed_s"]),
            _minutes(u["fallback_s"]),
            u["not_relayed"],
        ]
        for u in rel["by_upstream"]
    ]
    rows.append(["Nội dung của đài", "", None, _minutes(rel["own_s"]), None, None])
    return Table("relays", "Tiếp sóng theo nguồn, bên cạnh nội dung của đài", cols, rows)


def _channel_cols(r: dict) -> list[Col]:
    return [Col(c["name"], "int", 14) for c in r["listens"]["channels"]] + [Col("Tổng lượt nghe", "int", 14)]


def _plays(row: dict) -> list[int]:
    return list(row["by_channel"].values()) + [row["plays"]]


def listen_table(r: dict) -> Table | None:
    """Plays on the public listening page, the embedded player and the podcasts per category, the CCHC areas
    grouped; the total line is the plays per channel."""
    if "listens" not in r:
        return None
    lis = r["listens"]
    cols = [Col("Mã", "text", 20), Col("Chuyên mục", "text", 44), *_channel_cols(r)]
    rows, emphasis = [], set()
    for g in lis["category_groups"]:
        rows += [[c["code"], c["name"], *_plays(c)] for c in lis["by_category"] if c["code"] in g["categories"]]
        emphasis.add(len(rows))
        name = "Cộng tin CCHC" if g["code"] == CCHC_GROUP else "Cộng " + g["name"].lower()
        rows.append([g["code"], name, *_plays(g)])
    emphasis.add(len(rows))
    rows.append(["", "TỔNG CỘNG", *[c["plays"] for c in lis["channels"]], lis["plays"]])
    return Table("listens", lis["title"] + ": lượt nghe theo chuyên mục", cols, rows, emphasis, lis["note"])


def listen_top_table(r: dict) -> Table | None:
    """The most played bulletins on the public channels."""
    if "listens" not in r:
        return None
    lis = r["listens"]
    cols = [Col("Tiêu đề", "text", 48), Col("Chuyên mục", "text", 28), *_channel_cols(r)]
    rows = [[b["title"], b["category_name"], *_plays(b)] for b in lis["top_bulletins"]]
    return Table("listens_top", lis["title"] + ": tin, bài được nghe nhiều nhất", cols, rows)


def target_table(r: dict) -> Table:
    cols = [
        Col("Chỉ tiêu", "text", 44),
        Col("Đơn vị tính", "text", 10),
        Col("Kế hoạch", "number", 12),
        Col("Thực hiện", "number", 12),
        Col("Tỷ lệ (%)", "percent", 10),
        Col("Đánh giá", "text", 12),
    ]
    rows = [
        [t["label"], t["unit"], t["target"], t["achieved"], t["percent"], "Đạt" if t["met"] else "Chưa đạt"]
        for t in r["targets"]
    ]
    return Table("targets", "Đối chiếu chỉ tiêu kế hoạch", cols, rows)


def change_table(r: dict) -> Table | None:
    ch = r.get("change")
    if not ch:
        return None
    cols = [
        Col("Nội dung", "text", 30),
        Col("Kỳ này", "number", 12),
        Col("Kỳ trước", "number", 12),
        Col("Tăng/giảm", "number", 12),
        Col("Tỷ lệ (%)", "percent", 10),
    ]
    rows = []
    for key, name, scale in (
        ("airings", "Lượt phát", None),
        ("duration_s", "Thời lượng (phút)", 60),
        ("cchc_airings", "Lượt phát tin CCHC", None),
        ("cchc_duration_s", "Thời lượng tin CCHC (phút)", 60),
    ):
        c = ch[key]
        conv = (lambda v, scale=scale: round(v / scale, 1)) if scale else (lambda v: v)
        rows.append([name, conv(c["current"]), conv(c["previous"]), conv(c["delta"]), c["percent"]])
    return Table("change", f"So với kỳ trước ({ch['period']['label']})", cols, rows)


def bulletin_table(r: dict) -> Table:
    cols = [
        Col("Tiêu đề", "text", 50),
        Col("Chuyên mục", "text", 30),
        Col("Đơn vị", "text", 10),
        Col("Lượt phát", "int", 10),
        Col("Thời lượng (phút)", "minutes", 12),
        Col("Thủ công (lượt)", "int", 10),
        Col("Bị ngắt (lượt)", "int", 10),
        Col("Phát lần đầu", "datetime", 17),
        Col("Phát lần cuối", "datetime", 17),
    ]
    rows = [
        [
            b["title"] + (" (*)" if b["manual_airings"] else ""),
            b["category_name"],
            b["department"],
            b["airings"],
            _minutes(b["duration_s"]),
            b["manual_airings"],
            b["interrupted"],
            _dt(b["first_airing"]),
            _dt(b["last_airing"]),
        ]
        for b in r["by_bulletin"]
    ]
    return Table("by_bulletin", "Theo tin, bài ((*): có lượt xác nhận thủ công)", cols, rows)


def day_table(r: dict) -> Table:
    cols = [
        Col("Ngày", "date", 12),
        Col("Lượt phát", "int", 10),
        Col("Thời lượng (phút)", "minutes", 14),
        Col("Tin CCHC (lượt)", "int", 12),
        Col("Tin CCHC (phút)", "minutes", 14),
    ]
    rows = [
        [_d(d["date"]), d["airings"], _minutes(d["duration_s"]), d["cchc_airings"], _minutes(d["cchc_duration_s"])]
        for d in r["by_day"]
    ]
    return Table("by_day", "Theo ngày", cols, rows)


def report_tables(r: dict) -> list[Table]:
    tables = [
        summary_table(r),
        category_table(r),
        target_table(r),
        compliance_table(r),
        change_table(r),
        department_table(r),
        station_table(r),
        ward_table(r),
        ward_category_table(r),
        device_table(r),
        relay_table(r),
        listen_table(r),
        listen_top_table(r),
        bulletin_table(r),
        day_table(r),
    ]
    return [t for t in tables if t is not None]


def _covered(r: dict) -> str:
    if r.get("ward"):
        return r["ward"]["name"]
    if r.get("province"):
        return f"{len(r['wards'])} phường, xã của {r['province']['name']}"
    return "phường"


def issuer(r: dict) -> str | None:
    """The issuer at the head of a province report: the province's own (its People's Committee or the
    department in charge), else "UBND TỈNH/THÀNH PHỐ <name>"; None for a ward's report."""
    province = r.get("province")
    if not province:
        return None
    return province.get("issuer") or f"UBND TỈNH/THÀNH PHỐ {province['name'].upper()}"


def recipients(r: dict) -> list[str]:
    """The "Nơi nhận" lines of the report's closing."""
    if issuer(r):
        return ["- Bộ Văn hóa, Thể thao và Du lịch (b/c);", "- UBND các phường, xã;", "- Lưu: VT."]
    return ["- UBND cấp trên (b/c);", "- Văn phòng HĐND - UBND;", "- Lưu: VT."]


def signer(r: dict) -> list[str]:
    """Who signs: for the committee of the ward or province on its behalf, for a department its director's
    deputy (the usual "KT." signature)."""
    head = (issuer(r) or "ỦY BAN NHÂN DÂN").upper()
    if head.startswith(("ỦY BAN", "UBND")):
        return ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    return ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]


def scope_line(r: dict) -> str:
    where = r["station"]["name"] if r.get("station") else "Tất cả các đài của " + _covered(r)
    if r.get("cluster"):
        where += f" · Cụm loa {r['cluster']['code']} ({r['cluster']['name']})"
    p = r["period"]
    return f"{p['label']} ({_vn(p['start'])} – {_vn(p['end'])}) · {where}"


def _vn(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"
