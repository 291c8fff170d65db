"""`make bench`: run every benchmark, print one table, write bench/results.json.

Benchmarks report; they never fail the build. A benchmark that cannot run
here (say, no PostgreSQL) says why in its row instead of a figure.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

MODULES = (
    "speech",
    "export",
    "reports",
    "province",
    "scheduler",
    "relay",
    "live",
    "web",
    "public",
    "network",
    "soak",
    "fuzz",
)
RESULTS = Path(__file__).resolve().parent / "results.json"


def machine() -> dict:
    def first_line(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.splitlines()[0]
        except Exception:
            return None

    mem_kb = None
    try:
        mem_kb = int(
            next(
                line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
            ).split()[1]
        )
    except Exception:
        pass
    return {
        "hostname": platform.node(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1) if mem_kb else None,
        "ffmpeg": first_line(["ffmpeg", "-version"]),
        "espeak_ng": first_line(["espeak-ng", "--version"]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def with_ratio(row: dict) -> dict:
    limit = row.get("limit")
    value = row.get("value")
    ratio = None
    if limit and isinstance(value, (int, float)) and isinstance(limit.get("value"), (int, float)) and limit["value"]:
        ratio = round(value / limit["value"], 3)
    return {
        "name": row["name"],
        "value": value,
        "unit": row.get("unit", ""),
        "limit": limit,
        "ratio": ratio,
        "target": row.get("target"),
        **({"note": row["note"]} if row.get("note") else {}),
    }


def run_module(name: str) -> list[dict]:
    started = time.perf_counter()
    try:
        module = importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"bench.{name}":
            return [
                {
                    "name": f"{name}.*",
                    "value": None,
                    "unit": "",
                    "limit": None,
                    "target": None,
                    "note": "benchmark module not present",
                }
            ]
        raise
    try:
        rows = module.run()
    except (Exception, BaseExceptionGroup) as exc:  # a broken benchmark is reported, not fatal
        traceback.print_exc()
        return [
            {
                "name": f"{name}.*",
                "value": None,
                "unit": "",
                "limit": None,
                "target": None,
                "note": f"failed: {exc.__class__.__name__}: {exc}",
            }
        ]
    print(f"  {name}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return rows


def fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"
    return str(value)


def print_table(rows: list[dict]) -> None:
    header = ("benchmark", "value", "unit", "limit", "limit value", "ratio", "target")
    lines = [header]
    for r in rows:
        limit = r["limit"] or {}
        lines.append(
            (
                r["name"],
                fmt(r["value"]),
                r["unit"],
                limit.get("name", "-"),
                fmt(limit.get("value")),
                fmt(r["ratio"]),
                r.get("target") or r.get("note") or "",
            )
        )
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    for n, line in enumerate(lines):
        print("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(line)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def module_of(row: dict) -> str:
    """The module that wrote a row: recorded since a module may name rows after other areas
    (bench.network writes agent.rss_mb); older results fall back to the name's first part."""
    return row.get("module") or row["name"].split(".")[0]


def main(argv: list[str]) -> int:
    names = argv or list(MODULES)
    rows = []
    info = machine()
    if argv and RESULTS.exists():
        # A partial run (python -m bench web) refreshes its own rows and keeps the others.
        previous = json.loads(RESULTS.read_text()).get("benchmarks", [])
        rows = [r for r in previous if module_of(r) not in names]
    for name in names:
        print(f"running bench.{name} ...", file=sys.stderr)
        rows.extend({**with_ratio(r), "module": name} for r in run_module(name))
        # Written after every module, so a long run interrupted late keeps what it measured.
        RESULTS.write_text(json.dumps({"machine": info, "benchmarks": rows}, ensure_ascii=False, indent=2))
    print_table(rows)
    print(f"\nwritten: {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
