"""The packages depend in one direction, read from the source with `ast`:

checkpoint_cli -> checkpoint_analytics, checkpoint_devtools -> checkpoint_lambda
inside checkpoint_lambda: entrypoints -> service -> adapters -> domain
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "python"
#: What each part of checkpoint_lambda may not import (prefixes of module names).
FORBIDDEN = {
    "checkpoint_lambda": ("checkpoint_analytics", "checkpoint_devtools", "checkpoint_cli"),
    "checkpoint_lambda.domain": (
        "checkpoint_lambda.adapters",
        "checkpoint_lambda.entrypoints",
        "checkpoint_lambda.service",
        "checkpoint_lambda.config",
        "boto3",
        "botocore",
        "obstore",
        "aws_lambda_powertools",
    ),
    "checkpoint_lambda.adapters": ("checkpoint_lambda.entrypoints", "checkpoint_lambda.service"),
    "checkpoint_lambda.service": ("checkpoint_lambda.entrypoints", "boto3", "botocore", "obstore"),
}
#: The only parts of the Lambda package the analytics may use: the shared schema and S3 access.
ANALYTICS_MAY_USE = (
    "checkpoint_lambda.domain",
    "checkpoint_lambda.adapters.s3",
    "checkpoint_lambda.config",
    "checkpoint_lambda.errors",
)


def modules(package: str) -> Iterator[tuple[str, Path]]:
    for path in sorted((SRC / package.replace(".", "/")).rglob("*.py")):
        relative = path.relative_to(SRC).with_suffix("")
        yield ".".join(part for part in relative.parts if part != "__init__"), path


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_each_layer_imports_only_inward(layer: str) -> None:
    offending = [
        f"{module} imports {name}"
        for module, path in modules("checkpoint_lambda")
        if under(module, layer)
        for name in imports_of(path)
        if any(under(name, forbidden) for forbidden in FORBIDDEN[layer])
    ]
    assert offending == []


def test_the_analytics_use_only_the_lambdas_domain_and_s3_access() -> None:
    used = {
        f"{module} imports {name}"
        for module, path in modules("checkpoint_analytics")
        for name in imports_of(path)
        if under(name, "checkpoint_lambda") and not any(under(name, allowed) for allowed in ANALYTICS_MAY_USE)
    }
    assert used == set()


def test_the_scan_sees_the_imports_it_judges() -> None:
    """The checks above can fail: the scan finds the imports that are there."""
    handler = dict(modules("checkpoint_lambda"))["checkpoint_lambda.entrypoints.lambda_function"]
    assert "checkpoint_lambda.service" in imports_of(handler)
    cli = dict(modules("checkpoint_cli"))["checkpoint_cli.__main__"]
    assert {"checkpoint_analytics", "checkpoint_lambda.entrypoints"} <= imports_of(cli)
