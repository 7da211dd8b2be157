"""What a module imports, read with `ast`, and which first-party modules a handler reaches.

Every import counts, at module level or inside a function (a lazy import still runs in
Lambda), as Pants' dependency inference counts them.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Reach:
    """The first-party modules reachable from a start module, and the other imports they make."""

    modules: dict[str, Path] = field(default_factory=dict)
    third_party: dict[str, set[str]] = field(default_factory=dict)  # top-level module -> importing modules


def imported_names(path: Path) -> set[str]:
    """Dotted names an import in `path` may load: `from a.b import c` gives a.b and a.b.c."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def module_file(source_root: Path, dotted: str) -> Path | None:
    base = source_root.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_name(source_root: Path, path: Path) -> str:
    """`root/a/b.py` -> `a.b`; `root/a/__init__.py` -> `a`."""
    parts = path.relative_to(source_root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def first_party_tops(source_root: Path) -> set[str]:
    return {p.name for p in source_root.iterdir() if p.is_dir()} | {p.stem for p in source_root.glob("*.py")}


def reach(source_root: Path, start: str) -> Reach:
    """Follow first-party imports from `start` (and each package's __init__) through the source root."""
    first_party = first_party_tops(source_root)
    result = Reach()
    pending = [start]
    while pending:
        dotted = pending.pop()
        path = module_file(source_root, dotted)
        if dotted in result.modules or path is None:
            continue
        result.modules[dotted] = path
        parts = dotted.split(".")
        pending += [".".join(parts[:i]) for i in range(1, len(parts))]  # parent packages run first
        for name in imported_names(path):
            top = name.split(".")[0]
            if top in first_party:
                pending.append(name)
            elif top not in sys.stdlib_module_names and top != "__future__":
                result.third_party.setdefault(top, set()).add(dotted)
    return result
