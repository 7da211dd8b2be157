"""The module's .tf and .tfvars files parsed with python-hcl2, and constants read from the Lambda
package's source (by AST, without importing it: its dependencies are not installed here)."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
from hcl2.utils import SerializationOptions

MODULE_DIR = Path(__file__).resolve().parents[2]
REPO_ROOT = MODULE_DIR.parents[1]
PACKAGE_DIR = MODULE_DIR / "src" / "python" / "checkpoint_lambda"
STATE_BUCKET_DIR = MODULE_DIR / "state_bucket"
ENVIRONMENTS = ("dev", "staging", "prod")
#: Files the module's locals read, relative to the module (the console copies them).
LOCALS_FILES = (
    "src/python/checkpoint_lambda/version.py",
    "src/python/checkpoint_analytics/sql/views/current_events.sql",
)

_LOCAL_REF = re.compile(r"^\$\{local\.([A-Za-z_][A-Za-z0-9_]*)\}$")
# Plain values: strings without their quotes, blocks as lists of dicts, no comments.
_PLAIN = SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)

Block = dict[str, Any]


@dataclass(frozen=True)
class Config:
    """Every top-level block of the module's .tf files, merged by kind (resource, data, locals…)."""

    blocks: Mapping[str, list[Block]]

    @classmethod
    def load(cls, module_dir: Path = MODULE_DIR) -> Config:
        blocks: dict[str, list[Block]] = {}
        files = sorted(module_dir.glob("*.tf"))
        assert files, f"no .tf files in {module_dir}"
        for path in files:
            with path.open(encoding="utf-8") as handle:
                parsed: dict[str, list[Block]] = hcl2.load(handle, serialization_options=_PLAIN)
            for kind, entries in parsed.items():
                blocks.setdefault(kind, []).extend(entries)
        return cls(blocks)

    def resource(self, type_name: str, name: str) -> Block:
        return self._labelled("resource", type_name, name)

    def data(self, type_name: str, name: str) -> Block:
        return self._labelled("data", type_name, name)

    def resources_of(self, type_name: str) -> dict[str, Block]:
        return {
            name: body for entry in self.blocks.get("resource", []) for name, body in entry.get(type_name, {}).items()
        }

    @property
    def variables(self) -> dict[str, Block]:
        return {name: body for entry in self.blocks.get("variable", []) for name, body in entry.items()}

    @property
    def outputs(self) -> dict[str, Block]:
        return {name: body for entry in self.blocks.get("output", []) for name, body in entry.items()}

    @property
    def locals(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for block in self.blocks.get("locals", []):
            duplicated = merged.keys() & block.keys()
            assert not duplicated, f"locals defined twice: {duplicated}"
            merged.update(block)
        return merged

    def resolve(self, value: Any) -> Any:
        """`${local.x}` replaced by that local's own expression, until it is something else."""
        while isinstance(value, str) and (match := _LOCAL_REF.match(value)):
            value = self.locals[match.group(1)]
        return value

    def _labelled(self, kind: str, type_name: str, name: str) -> Block:
        found: list[Block] = [
            entry[type_name][name] for entry in self.blocks.get(kind, []) if name in entry.get(type_name, {})
        ]
        assert len(found) == 1, f"expected one {kind} {type_name}.{name}, found {len(found)}"
        return found[0]


@dataclass(frozen=True)
class ConsoleResult:
    """What `terraform console` made of some expressions, or that a variable was refused."""

    values: list[Any]
    invalid_variables: bool
    stderr: str

    @property
    def errors(self) -> str:
        """Terraform's diagnostics on one line, without the box drawing."""
        return " ".join(self.stderr.replace("│", " ").split())


#: The `console` fixture: console(*expressions, **variable_values) -> ConsoleResult.
Console = Callable[..., ConsoleResult]


def module_constants(module: str) -> dict[str, ast.expr]:
    """The top-level assignments of a module (dotted, e.g. checkpoint_lambda.config), read without importing it."""
    tree = ast.parse(module_path(module).read_text(encoding="utf-8"))
    constants: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            constants[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            constants[node.target.id] = node.value
    return constants


def tfvars(path: Path) -> dict[str, Any]:
    """A .tfvars (or .tfbackend) file's assignments as plain values."""
    with path.open(encoding="utf-8") as handle:
        values: dict[str, Any] = hcl2.load(handle, serialization_options=_PLAIN)
    return values


def env_tfvars(environment: str) -> dict[str, Any]:
    return tfvars(MODULE_DIR / f"terraform.{environment}.tfvars")


def package_module_defining(name: str) -> str:
    """The dotted module of checkpoint_lambda whose top level defines `name` (class, function or constant).

    Found by reading the sources, so these tests follow the package when its modules move.
    """
    found = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AnnAssign):
                targets = [node.target]
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            if isinstance(node, ast.ClassDef | ast.FunctionDef):
                names.add(node.name)
            if name in names:
                found.append(path)
    assert len(found) == 1, f"expected one module of checkpoint_lambda defining {name}, found {found}"
    relative = found[0].relative_to(PACKAGE_DIR.parent).with_suffix("")
    return ".".join(relative.parts)


def string_tuple(module: str, name: str) -> tuple[str, ...]:
    """A module-level tuple of string constants, or of names bound to string constants."""
    constants = module_constants(module)
    value = constants[name]
    assert isinstance(value, ast.Tuple), ast.dump(value)
    strings = []
    for element in value.elts:
        constant = constants[element.id] if isinstance(element, ast.Name) else element
        assert isinstance(constant, ast.Constant), ast.dump(constant)
        assert isinstance(constant.value, str)
        strings.append(constant.value)
    return tuple(strings)


def enum_values(module: str, class_name: str) -> list[str]:
    """The string values of an enum class's members, in order."""
    tree = ast.parse(module_path(module).read_text(encoding="utf-8"))
    (enum,) = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == class_name]
    return [
        node.value.value
        for node in enum.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    ]


def module_path(module: str) -> Path:
    """The source file of a dotted module of checkpoint_lambda (e.g. checkpoint_lambda.config)."""
    return PACKAGE_DIR.parent / (module.replace(".", "/") + ".py")
