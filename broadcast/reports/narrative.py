"""Vietnamese number formatting and the report's short narrative paragraph."""

from __future__ import annotations


def vn_number(value, decimals: int = 0) -> str:
    """1234.5 -> '1.234,5' (Vietnamese: dot for thousands, comma for decimals)."""
    if value is None:
        return "–"
    text = f"{float(value):,.{decimals}f}" if decimals else f"{int(round(float(value))):,}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def vn_minutes(seconds: int) -> str:
    return vn_number(seconds / 60, 1)


def vn_percent(value) -> str:
    return "–" if value is None else vn_number(value, 1) + "%"


def vn_date(iso: str) -> str:
    y, m, d = iso[:10].split("-")
    return f"{d}/{m}/{y}"


def lower_first(text: str) -> str:
    """'Phút tin CCHC' -> 'phút tin CCHC' (acronyms kept)."""
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) == 1 else text


def lower_label(label: str) -> str:
    """'Tháng 10/2025' -> 'tháng 10/2025'; 'Quý III/2025' stays (a name)."""
    return label if label.startswith("Quý") else label[:1].lower() + label[1:]


def in_period(label: str) -> str:
    if label.startswith("Từ"):
        return "Trong khoảng thời gian " + lower_label(label)
    return "Trong " + lower_label(label)


def _where(report: dict) -> str:
    if report.get("ward"):
        return lower_first(report["ward"]["name"])
    if report.get("province"):
        return f"{len(report['wards'])} phường, xã của tỉnh, thành phố {report['province']['name']}"
    return "phường"


def narrative(report: dict) -> str:
    """A short paragraph of results, as the ward would write it in its report."""
    t = report["totals"]
    period = report["period"]
    who = report["station"]["name"] if report.get("station") else "hệ thống đài truyền thanh " + _where(report)
    if report.get("cluster"):
        who += f" (riêng cụm loa {report['cluster']['code']} – {report['cluster']['name']})"
    when = in_period(period["label"])
    if not t["airings"]:
        return f"{when}, {who} chưa ghi nhận lượt phát tin, bài nào trong nhật ký phát sóng."
    parts = [
        f"{when}, {who} đã phát {vn_number(t['airings'])} lượt tin, bài với tổng thời lượng "
        f"{vn_minutes(t['duration_s'])} phút; trong đó tin, bài tuyên truyền cải cách hành chính (CCHC) "
        f"{vn_number(t['cchc_airings'])} lượt, {vn_minutes(t['cchc_duration_s'])} phút"
        + (
            f" (chiếm {vn_percent(t['cchc_share_percent'])} thời lượng)."
            if t.get("cchc_share_percent") is not None
            else "."
        )
    ]
    top = [r for r in report["by_category"] if r["is_cchc"] and r["duration_s"]]
    if top:
        best = max(top, key=lambda r: r["duration_s"])
        name = best["name"].split(": ", 1)[-1]
        parts.append(
            f"Lĩnh vực được tuyên truyền nhiều nhất là {name.lower()} ({vn_minutes(best['duration_s'])} phút)."
        )
    sessions = f"Đã thực hiện {vn_number(t['sessions_aired'])} buổi phát thanh"
    if t["cchc_sessions"]:
        sessions += f", trong đó {vn_number(t['cchc_sessions'])} buổi có tin CCHC"
    if t["sessions_missed"]:
        sessions += f"; {vn_number(t['sessions_missed'])} buổi không phát được"
    parts.append(sessions + ".")
    targets = report.get("targets") or []
    if targets:
        met = sum(1 for r in targets if r["met"])
        parts.append(
            f"Đối chiếu kế hoạch, đạt {met}/{len(targets)} chỉ tiêu"
            + (
                "."
                if met == len(targets)
                else "; các chỉ tiêu chưa đạt: "
                + "; ".join(
                    f"{lower_first(r['label'])} đạt {vn_percent(r['percent'])}" for r in targets if not r["met"]
                )
                + "."
            )
        )
    change = report.get("change")
    if change and change["cchc_duration_s"]["previous"]:
        pct = change["cchc_duration_s"]["percent"]
        word = "tăng" if pct >= 0 else "giảm"
        parts.append(
            f"So với kỳ trước ({lower_label(change['period']['label'])}), "
            f"thời lượng tin CCHC {word} {vn_number(abs(pct), 1)}%."
        )
    if t["manual_airings"]:
        parts.append(f"Có {vn_number(t['manual_airings'])} lượt phát do cán bộ đài xác nhận thủ công.")
    if t["interrupted"]:
        parts.append(f"{vn_number(t['interrupted'])} lượt bị ngắt giữa chừng chỉ tính phần thời lượng đã phát.")
    return " ".join(parts)
