"""Static checks of the Pants build, for machines where Pants cannot run (bin/check-build).

Pants 2.29 would catch most of this itself; without it, these checks keep the BUILD files,
pants.toml, the requirement files, bin/package and the package's imports in step.
Run with the project's .venv Python (it maps imports to installed distributions).
Prints one line per check and exits 1 if any check found a problem.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.metadata
import json
import sys
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from build_files import (
    Target,
    bash_array,
    build_files,
    canonical,
    parse_build_file,
    parse_requirement_address,
    pinned_versions,
    project_name,
    requirement_names,
)
from import_graph import first_party_tops, imported_names, module_name, reach

ROOT = Path(__file__).resolve().parents[4]
LAMBDA = ROOT / "lambda" / "event_log_checkpoint"
PACKAGE = LAMBDA / "src" / "python" / "checkpoint_lambda"
THIRD_PARTY = ROOT / "3rdparty" / "python"
BIN_PACKAGE = ROOT / "bin" / "package"
HANDLER = "entrypoints/lambda_function.py:lambda_handler"
FUNCTION_FIELDS: dict[str, object] = {
    "name": "lambda",
    "handler": HANDLER,
    "runtime": "python3.12",
    "include_requirements": False,
    "output_path": "checkpoint_lambda.zip",
}
# layer target name -> (zip name, the bin/package array listing the same requirements)
LAYERS = {
    "powertools": ("powertools_layer.zip", "POWERTOOLS_LAYER"),
    "data_processing": ("data_processing_layer.zip", "DATA_PROCESSING_LAYER"),
}
BACKENDS = {
    "pants.backend.python",
    "pants.backend.awslambda.python",
    "pants.backend.experimental.python.lint.ruff.check",
    "pants.backend.experimental.python.lint.ruff.format",
    "pants.backend.python.typecheck.mypy",
}


def all_targets() -> list[Target]:
    return [target for path in build_files(ROOT) for target in parse_build_file(path)]


def package_targets(targets: Iterable[Target]) -> dict[str, Target]:
    return {t.type + ":" + (t.name or ""): t for t in targets if t.build_file == PACKAGE / "BUILD"}


def check_pants_toml(_: list[Target]) -> list[str]:
    config = tomllib.loads((ROOT / "pants.toml").read_text(encoding="utf-8"))
    problems = []
    if not str(config["GLOBAL"].get("pants_version", "")).startswith("2.29."):
        problems.append("pants.toml: pants_version is not 2.29.x")
    problems += [
        f"pants.toml: backend {b} missing" for b in sorted(BACKENDS - set(config["GLOBAL"]["backend_packages"]))
    ]
    python = config["python"]
    if python.get("interpreter_constraints") != ["==3.12.*"] or python.get("enable_resolves") is not True:
        problems.append("pants.toml: [python] needs interpreter_constraints ['==3.12.*'] and enable_resolves")
    if python.get("resolves", {}).get("python-default") != "3rdparty/python/python-default.lock":
        problems.append("pants.toml: resolve python-default must lock to 3rdparty/python/python-default.lock")
    if not str(python.get("resolver_manylinux", "")).startswith("manylinux_2_"):
        problems.append("pants.toml: [python].resolver_manylinux must name the Lambda glibc (manylinux_2_NN)")
    for constraints in python.get("resolves_to_constraints_file", {}).values():
        if not (ROOT / constraints).is_file():
            problems.append(f"pants.toml: constraints file {constraints} does not exist")
    return problems


def check_package_targets(targets: list[Target]) -> list[str]:
    found = package_targets(targets)
    problems = [] if "python_sources:" in found else ["checkpoint_lambda/BUILD: no python_sources()"]
    function = found.get("python_aws_lambda_function:lambda")
    if function is None:
        return [*problems, "checkpoint_lambda/BUILD: no python_aws_lambda_function named 'lambda'"]
    problems += [
        f"function target: {key} should be {value!r}, is {function.fields.get(key)!r}"
        for key, value in FUNCTION_FIELDS.items()
        if function.fields.get(key) != value
    ]
    for name, (zip_name, _) in LAYERS.items():
        layer = found.get(f"python_aws_lambda_layer:{name}")
        if layer is None:
            problems.append(f"checkpoint_lambda/BUILD: no python_aws_lambda_layer named {name!r}")
            continue
        expected = {"runtime": "python3.12", "include_sources": False, "output_path": zip_name}
        problems += [f"layer {name}: {k} should be {v!r}" for k, v in expected.items() if layer.fields.get(k) != v]
    for target in (t for key, t in found.items() if key.startswith("python_aws_lambda")):
        if target.fields.get("architecture", "x86_64") != "x86_64":
            problems.append(f"{target.type} {target.name}: architecture must be x86_64")
    return problems


def check_handler(targets: list[Target]) -> list[str]:
    function = package_targets(targets).get("python_aws_lambda_function:lambda")
    handler = function.fields.get("handler") if function else None
    if not isinstance(handler, str) or ":" not in handler:
        return ["function target has no readable handler"]
    file_name, _, function_name = handler.partition(":")
    path = PACKAGE / file_name
    if not path.is_file():
        return [f"handler file {path.relative_to(ROOT)} does not exist"]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    return [] if function_name in defined else [f"{file_name} defines no top-level function {function_name}"]


def requirement_sources(targets: list[Target]) -> dict[tuple[str, str], Path]:
    """(BUILD folder, target name) -> requirements file, for every python_requirements target."""
    return {
        (str(t.build_file.parent.relative_to(ROOT)), t.name or ""): t.build_file.parent / t.fields["source"]
        for t in targets
        if t.type == "python_requirements" and isinstance(t.fields.get("source"), str)
    }


def requirement_addresses(targets: Iterable[Target]) -> Iterable[tuple[Target, str]]:
    for target in targets:
        values = target.fields.values()
        for value in (v for field in values for v in (field if isinstance(field, list) else [field])):
            if isinstance(value, str) and parse_requirement_address(value):
                yield target, value


def check_requirement_addresses(targets: list[Target]) -> list[str]:
    sources = requirement_sources(targets)
    problems = [f"{path.relative_to(ROOT)} does not exist" for path in sources.values() if not path.is_file()]
    for target, address in requirement_addresses(targets):
        spec, target_name, name = parse_requirement_address(address) or ("", "", "")
        source = sources.get((spec, target_name))
        if source is None or not source.is_file():
            problems.append(
                f"{target.type} {target.name}: {address}: no python_requirements target {spec}:{target_name}"
            )
        elif canonical(name) not in requirement_names(source):
            problems.append(f"{target.type} {target.name}: {address}: {name} is not in {source.name}")
    return problems


def check_constraints(_: list[Target]) -> list[str]:
    constraints = pinned_versions(THIRD_PARTY / "constraints.txt")
    return [
        f"constraints.txt pins {name}=={constraints.get(name)}, requirements.txt {name}=={version}:"
        " regenerate constraints.txt (see pants.toml)"
        for name, version in pinned_versions(THIRD_PARTY / "requirements.txt").items()
        if constraints.get(name) != version
    ]


WHEELHOUSE_URL = "file://${WHEELHOUSE}/"


def lockfile_body(path: Path) -> dict[str, Any]:
    """The Pex lock after the lockfile's `//` header."""
    text = path.read_text(encoding="utf-8")
    return dict(json.loads(text[text.index("\n{") + 1 :]))


def lockfile_metadata(path: Path) -> dict[str, Any]:
    """The JSON between the BEGIN/END PANTS LOCKFILE METADATA lines of a Pants lockfile header."""
    lines, inside = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if "END PANTS LOCKFILE METADATA" in line:
            break
        if inside:
            lines.append(line.removeprefix("//"))
        inside = inside or "BEGIN PANTS LOCKFILE METADATA" in line
    return dict(json.loads("\n".join(lines)))


def check_lockfile(targets: list[Target]) -> list[str]:
    """The committed lock is one Pants 2.17 and 2.29 both accept as current: the header they check
    (requirements, constraints, manylinux, interpreter constraints) matches this repository."""
    path = THIRD_PARTY / "python-default.lock"
    try:
        header = lockfile_metadata(path)
    except (OSError, json.JSONDecodeError) as error:
        return [f"{path.relative_to(ROOT)}: no readable lockfile header ({error})"]
    config = tomllib.loads((ROOT / "pants.toml").read_text(encoding="utf-8"))["python"]
    requirements = {
        line for source in requirement_sources(targets).values() for line in requirement_names(source).values()
    }
    constraints = {f"{name}=={version}" for name, version in pinned_versions(THIRD_PARTY / "constraints.txt").items()}
    expected = {
        "version": 3,
        "valid_for_interpreter_constraints": [f"CPython{c}" for c in config["interpreter_constraints"]],
        "generated_with_requirements": sorted(requirements),
        "manylinux": config["resolver_manylinux"],
        "requirement_constraints": sorted(constraints),
    }
    problems = [
        f"python-default.lock: {key} is {header.get(key)!r}, expected {value!r} (run `bin/check-pants --lock`)"
        for key, value in expected.items()
        if (sorted(header.get(key) or []) if isinstance(value, list) else header.get(key)) != value
    ]
    return problems + check_lockfile_artifacts(path)


def check_lockfile_artifacts(path: Path) -> list[str]:
    """Every artifact is a wheel of the local wheelhouse (bin/wheelhouse), never a package index's URL."""
    resolves = lockfile_body(path)["locked_resolves"]
    urls = [a["url"] for r in resolves for req in r["locked_requirements"] for a in req["artifacts"]]
    foreign = sorted(url for url in urls if not url.startswith(WHEELHOUSE_URL) or not url.endswith(".whl"))
    if not urls:
        return ["python-default.lock: no artifacts"]
    if foreign:
        return [f"python-default.lock: {len(foreign)} artifacts outside {WHEELHOUSE_URL}, e.g. {foreign[0]}"]
    return []


def layer_requirements(targets: list[Target], layer: str) -> set[str]:
    target = package_targets(targets).get(f"python_aws_lambda_layer:{layer}")
    deps = target.fields.get("dependencies", []) if target else []
    return {canonical(parsed[2]) for d in deps if isinstance(d, str) and (parsed := parse_requirement_address(d))}


def check_layers_match_bin_package(targets: list[Target]) -> list[str]:
    problems = []
    for layer, (_, array) in LAYERS.items():
        listed = {canonical(n) for n in bash_array(BIN_PACKAGE, array) or []}
        declared = layer_requirements(targets, layer)
        if listed != declared:
            problems.append(f"layer {layer}: BUILD has {sorted(declared)}, bin/package {array} {sorted(listed)}")
    runtime = {canonical(n) for n in bash_array(BIN_PACKAGE, "RUNTIME_PROVIDED") or []}
    shipped = {canonical(n) for n in bash_array(BIN_PACKAGE, "SHIPPED_BY_POWERTOOLS") or []}
    # What each layer leaves out: the powertools layer what the runtime provides (Powertools needs
    # jmespath), data_processing what the powertools layer ships (nothing there pulls boto3).
    for layer, expected, source in (
        ("powertools", runtime, "RUNTIME_PROVIDED"),
        ("data_processing", shipped, "SHIPPED_BY_POWERTOOLS"),
    ):
        excluded = layer_excludes(targets, layer)
        if excluded != expected:
            problems.append(f"{layer} layer excludes {sorted(excluded)}, bin/package {source} {sorted(expected)}")
    return problems


def layer_excludes(targets: list[Target], layer: str) -> set[str]:
    target = package_targets(targets).get(f"python_aws_lambda_layer:{layer}")
    args = target.fields.get("pex_build_extra_args", []) if target else []
    return {canonical(a.removeprefix("--exclude=")) for a in args if a.startswith("--exclude=")}


def closure(names: Iterable[str]) -> set[str]:
    """The distributions `names` need at run time, as installed in this environment (extras left out)."""
    seen: set[str] = set()
    pending = [canonical(n) for n in names]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        pending += [project_name(r) for r in requires if "extra" not in r.partition(";")[2]]
    return seen


def handler_module() -> str:
    return f"{PACKAGE.name}.{HANDLER.partition(':')[0].removesuffix('.py').replace('/', '.')}"


def check_imports_covered(targets: list[Target]) -> list[str]:
    """What the handler reaches stays in the package, and each third-party import is in a layer.

    Third-party imports count in every module of the package (even those the handler never
    reaches, like the CLI) and in every module the handler reaches.
    """
    layers = {layer: closure(layer_requirements(targets, layer)) for layer in LAYERS}
    covered = set().union(*layers.values(), closure(bash_array(BIN_PACKAGE, "RUNTIME_PROVIDED") or []))
    reached = reach(PACKAGE.parent, handler_module())
    outside = sorted({module.split(".")[0] for module in reached.modules} - {PACKAGE.name})
    problems = [f"the handler reaches {top}, which the function zip lacks" for top in outside]
    imports = {top: set(importers) for top, importers in reached.third_party.items()}
    first_party = first_party_tops(PACKAGE.parent)
    for path in sorted(PACKAGE.rglob("*.py")):
        for top in {name.split(".")[0] for name in imported_names(path)}:
            if top not in first_party and top not in sys.stdlib_module_names and top != "__future__":
                imports.setdefault(top, set()).add(module_name(PACKAGE.parent, path))
    providers = importlib.metadata.packages_distributions()
    for module, importers in sorted(imports.items()):
        dists = {canonical(d) for d in providers.get(module, [])}
        if not dists & covered:
            who = ", ".join(sorted(importers))
            problems.append(f"import {module} (in {who}): distribution {sorted(dists) or '?'} is in no layer")
    if handler_module() not in reached.modules:
        problems.append(f"{handler_module()} not found under {PACKAGE.parent.relative_to(ROOT)}")
    return problems


def pants_ignored(folder: Path) -> bool:
    config = tomllib.loads((ROOT / "pants.toml").read_text(encoding="utf-8"))
    patterns = config["GLOBAL"].get("pants_ignore", {}).get("add", [])
    relative = str(folder.relative_to(ROOT))
    return any(fnmatch.fnmatch(relative, pattern.strip("/")) for pattern in patterns)


def check_build_file_coverage(_: list[Target]) -> list[str]:
    """Like `pants tailor --check`: every folder of Python code under a source root has a BUILD file."""
    roots = [*LAMBDA.glob("src/python"), *LAMBDA.glob("test/*")]
    folders = {p.parent for root in roots for p in root.rglob("*.py") if "__pycache__" not in p.parts}
    return [
        f"{folder.relative_to(ROOT)} has Python files but no BUILD"
        for folder in sorted(folders)
        if not (folder / "BUILD").is_file() and not pants_ignored(folder)
    ]


def check_devcontainer(_: list[Target]) -> list[str]:
    folder = ROOT / ".devcontainer"
    try:
        config = json.loads((folder / "devcontainer.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        return [f".devcontainer/devcontainer.json: {error}"]
    dockerfile = folder / config.get("build", {}).get("dockerfile", "")
    if not dockerfile.is_file():
        return [f"devcontainer.json names no existing Dockerfile ({dockerfile.name})"]
    pants_version = tomllib.loads((ROOT / "pants.toml").read_text(encoding="utf-8"))["GLOBAL"]["pants_version"]
    if f"ARG PANTS_VERSION={pants_version}\n" not in dockerfile.read_text(encoding="utf-8"):
        return [f"{dockerfile.name}: ARG PANTS_VERSION is not pants.toml's {pants_version}"]
    return []


CHECKS: list[Callable[[list[Target]], list[str]]] = [
    check_pants_toml,
    check_package_targets,
    check_handler,
    check_requirement_addresses,
    check_constraints,
    check_lockfile,
    check_layers_match_bin_package,
    check_imports_covered,
    check_build_file_coverage,
    check_devcontainer,
]


def main() -> int:
    targets = all_targets()
    failed = 0
    for check in CHECKS:
        problems = check(targets)
        label = check.__name__.removeprefix("check_").replace("_", " ")
        print(f"{'FAIL' if problems else 'ok  '} {label}")
        for problem in problems:
            print(f"     {problem}")
        failed += bool(problems)
    print(f"{len(CHECKS) - failed} of {len(CHECKS)} build checks passed ({len(targets)} targets)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
