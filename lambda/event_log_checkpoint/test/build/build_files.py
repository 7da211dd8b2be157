"""Reads the build's declarations without Pants: BUILD files, requirement files, bin/package's lists.

BUILD files are Python syntax, so `ast` reads them; field values that are literals are kept,
anything computed is recorded as COMPUTED (the checks then say they cannot verify it).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SKIPPED_DIRS = frozenset({".git", ".venv", "build", "dist", "node_modules", ".terraform", ".pants.d"})
COMPUTED = object()
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")
_REQUIREMENT_ADDRESS = re.compile(r"^(?://)?(?P<spec>[^:#]+):(?P<target>[^#]+)#(?P<name>.+)$")


@dataclass(frozen=True)
class Target:
    build_file: Path
    type: str
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str | None:
        value = self.fields.get("name")
        return value if isinstance(value, str) else None


def canonical(name: str) -> str:
    """PEP 503 normalised project name: `typing_extensions` and `Typing-Extensions` are the same project."""
    return re.sub(r"[-_.]+", "-", name).lower()


def project_name(requirement: str) -> str:
    """The canonical project name at the start of a requirement string (`moto[server]==5` -> `moto`)."""
    match = _NAME.match(requirement.strip())
    if match is None:
        raise ValueError(f"not a requirement: {requirement!r}")
    return canonical(match.group(0))


def build_files(root: Path) -> list[Path]:
    found = []
    for path in sorted(root.rglob("BUILD")):
        if path.is_file() and not SKIPPED_DIRS.intersection(path.relative_to(root).parts):
            found.append(path)
    return found


def parse_build_file(path: Path) -> list[Target]:
    """Every top-level `target_type(field=value, ...)` call in one BUILD file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    targets = []
    for statement in tree.body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            call = statement.value
            if isinstance(call.func, ast.Name):
                fields = {kw.arg: _literal(kw.value) for kw in call.keywords if kw.arg is not None}
                targets.append(Target(path, call.func.id, fields))
    return targets


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        return COMPUTED


def requirement_names(path: Path) -> dict[str, str]:
    """Canonical project name -> the requirement line, for one requirements file (`-r` lines skipped)."""
    names = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        names[project_name(line)] = line
    return names


def pinned_versions(path: Path) -> dict[str, str]:
    """Canonical project name -> pinned version, for `name==version` lines."""
    pins = {}
    for name, line in requirement_names(path).items():
        _, sep, version = line.partition("==")
        if sep:
            pins[name] = version.split(";", 1)[0].strip()
    return pins


def parse_requirement_address(address: str) -> tuple[str, str, str] | None:
    """`3rdparty/python:reqs#polars` -> ("3rdparty/python", "reqs", "polars"); None for other addresses."""
    match = _REQUIREMENT_ADDRESS.match(address)
    if match is None:
        return None
    return match["spec"], match["target"], match["name"]


def bash_array(script: Path, variable: str) -> list[str] | None:
    """The words of a one-line `VARIABLE=(a b c)` assignment in a bash script."""
    match = re.search(rf"^{re.escape(variable)}=\(([^)]*)\)", script.read_text(encoding="utf-8"), re.MULTILINE)
    return match.group(1).split() if match else None
