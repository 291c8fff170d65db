"""No two core modules import each other (issue #11): checked over every import statement, including
the ones inside functions, across the whole core package."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLEAN = ("broadcast",)  # every area of the core is clean now; keep it so


def _modules() -> dict[str, tuple[Path, bool]]:
    mods = {}
    for f in (ROOT / "broadcast").rglob("*.py"):
        if "migrations" in f.parts:
            continue
        parts = list(f.relative_to(ROOT).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        mods[".".join(parts[:-1] if is_pkg else parts)] = (f, is_pkg)
    return mods


def _targets(module: str, is_pkg: bool, node) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = module.split(".") if is_pkg else module.split(".")[:-1]
    if node.level:
        base = base[: len(base) - (node.level - 1)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    return [prefix] + [f"{prefix}.{a.name}" for a in node.names]


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for module, (path, is_pkg) in mods.items():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _targets(module, is_pkg, node):
                    while target and target not in mods:
                        target = target.rpartition(".")[0]
                    # A package's own __init__ is not a cycle partner of its submodules.
                    if target and target != module and not module.startswith(target + "."):
                        edges[module].add(target)
    return edges


def _in_clean_area(module: str) -> bool:
    return module.startswith(tuple(p + "." for p in CLEAN)) or module in CLEAN or module.count(".") == 1


def test_no_two_modules_import_each_other():
    edges = _graph()
    pairs = sorted(
        {
            tuple(sorted((a, b)))
            for a in edges
            for b in edges[a]
            if a in edges.get(b, ()) and (_in_clean_area(a) or _in_clean_area(b))
        }
    )
    assert pairs == []
