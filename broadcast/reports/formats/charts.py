"""Charts drawn with matplotlib (Agg backend, no display): minutes per CCHC area, minutes per day."""

from __future__ import annotations

import io
import threading

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure

_LOCK = threading.Lock()  # matplotlib's font cache and text layout are not thread-safe
FONT = {"family": "DejaVu Sans"}  # has every Vietnamese glyph


def _png(fig: Figure, dpi: int) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def category_chart(report: dict, *, dpi: int = 110) -> bytes:
    """Horizontal bars: minutes per CCHC area."""
    rows = [c for c in report["by_category"] if c["is_cchc"]]
    names = [c["name"].split(": ", 1)[-1] for c in rows][::-1]
    names = [n if len(n) <= 42 else n[:40] + "…" for n in names]
    minutes = [round(c["duration_s"] / 60, 1) for c in rows][::-1]
    colours = [c.get("colour") or "#0969da" for c in rows][::-1]
    with _LOCK:
        fig = Figure(figsize=(7.5, 3.6))
        ax = fig.add_subplot()
        bars = ax.barh(names, minutes, color=colours)
        ax.bar_label(bars, labels=[f"{m:g}".replace(".", ",") for m in minutes], padding=3, fontsize=8, **FONT)
        ax.set_xlabel("Phút", **FONT)
        ax.set_title(f"Thời lượng tin CCHC theo lĩnh vực – {report['period']['label']}", fontsize=10, **FONT)
        ax.tick_params(labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_xlim(0, max(minutes + [1]) * 1.18)
        return _png(fig, dpi)


def daily_chart(report: dict, *, dpi: int = 110) -> bytes:
    """Bars per day: all minutes, CCHC minutes in front."""
    days = report["by_day"]
    labels = [d["date"][8:10] + "/" + d["date"][5:7] for d in days]
    total = [round(d["duration_s"] / 60, 1) for d in days]
    cchc = [round(d["cchc_duration_s"] / 60, 1) for d in days]
    with _LOCK:
        fig = Figure(figsize=(7.5, 3.0))
        ax = fig.add_subplot()
        x = range(len(days))
        ax.bar(x, total, color="#9ec5fe", label="Tất cả tin, bài")
        ax.bar(x, cchc, color="#0550ae", label="Tin CCHC")
        step = max(1, len(days) // 16)
        ax.set_xticks(list(x)[::step], labels[::step], fontsize=7, rotation=45 if len(days) > 40 else 0)
        ax.set_ylabel("Phút", **FONT)
        ax.set_title(f"Thời lượng phát theo ngày – {report['period']['label']}", fontsize=10, **FONT)
        ax.legend(fontsize=8, frameon=False, prop=FONT | {"size": 8})
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(axis="y", labelsize=8)
        return _png(fig, dpi)


CHARTS = {"categories": category_chart, "days": daily_chart}
