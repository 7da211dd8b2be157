"""Pants' three Lambda zips hold what bin/package's hold: same distributions, versions and files.

Run by bin/check-pants: `python compare_zips.py PANTS_DIST BIN_PACKAGE_DIST`. The two builds
install the same wheels (one lock of the same pins, one platform), and differ only where
docs/BUILDING.md says they do:
- bytecode: bin/package ships a `.pyc` for every `.py`; Pants ships sources only;
- pruning: bin/package drops type stubs (`.pyi`), `tests` folders and SBOM documents;
- installer records: each writes its own `RECORD`, `INSTALLER`, `REQUESTED` and `direct_url.json`;
- stripping: bin/package strips shared libraries, so their bytes (never their names) differ;
- the function zip: Pants adds a root `lambda_function.py` that re-exports the handler.
Anything else (a file or distribution in one zip only, a version or a source file that differs)
is reported, and the exit status is 1. Standard library only.
"""

from __future__ import annotations

import hashlib
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ZIPS = ("checkpoint_lambda.zip", "powertools_layer.zip", "data_processing_layer.zip")
INSTALLER_RECORDS = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})
SHIM = "lambda_function.py"
_DIST_INFO = re.compile(r"(?:^|/)([^/]+)-([^/-]+)\.dist-info/")


@dataclass(frozen=True)
class Listing:
    """One zip's files (path -> sha256) with what the two builds may legitimately differ in left out."""

    files: dict[str, str]
    shared_libraries: frozenset[str]
    left_out: dict[str, int]

    @property
    def distributions(self) -> set[str]:
        """`name==version` of every installed distribution, from the dist-info folder names."""
        found = set()
        for path in self.files:
            match = _DIST_INFO.search(path)
            if match:
                found.add(f"{match[1].lower().replace('_', '-')}=={match[2]}")
        return found


def difference_kind(path: str) -> str | None:
    """Which documented difference a path belongs to, or None if both builds must agree on it."""
    parts = path.split("/")
    if "__pycache__" in parts or path.endswith(".pyc"):
        return "bytecode"
    if path.endswith(".pyi") or "tests" in parts[:-1] or any(p.endswith("-stubs") for p in parts):
        return "pruned (stubs, tests)"
    if any(p.endswith(".dist-info") for p in parts[:-1]):
        if parts[-1] in INSTALLER_RECORDS:
            return "installer records"
        if "sboms" in parts:
            return "pruned (SBOMs)"
    if path == SHIM:
        return "root lambda_function.py shim"
    return None


def is_shared_library(name: str, head: bytes) -> bool:
    return head.startswith(b"\x7fELF") or name.endswith(".so") or ".so." in name.rsplit("/", 1)[-1]


def read_listing(path: Path) -> Listing:
    files: dict[str, str] = {}
    shared: set[str] = set()
    left_out: dict[str, int] = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            kind = difference_kind(info.filename)
            if kind is not None:
                left_out[kind] = left_out.get(kind, 0) + 1
                continue
            data = archive.read(info)
            files[info.filename] = hashlib.sha256(data).hexdigest()
            if is_shared_library(info.filename, data[:4]):
                shared.add(info.filename)
    return Listing(files, frozenset(shared), left_out)


def compare(name: str, pants: Listing, package: Listing) -> list[str]:
    only_pants, only_package = pants.distributions - package.distributions, package.distributions - pants.distributions
    problems = [f"{name}: distribution {d} only in Pants' zip" for d in sorted(only_pants)]
    problems += [f"{name}: distribution {d} only in bin/package's zip" for d in sorted(only_package)]
    problems += [f"{name}: {p} only in Pants' zip" for p in sorted(pants.files.keys() - package.files.keys())]
    problems += [f"{name}: {p} only in bin/package's zip" for p in sorted(package.files.keys() - pants.files.keys())]
    for path in sorted(pants.files.keys() & package.files.keys()):
        if pants.files[path] != package.files[path] and path not in package.shared_libraries:
            problems.append(f"{name}: {path} differs")
    return problems


def describe(name: str, pants: Listing, package: Listing) -> str:
    stripped = sum(pants.files[p] != package.files.get(p) for p in pants.shared_libraries & package.files.keys())
    kinds = sorted(pants.left_out.keys() | package.left_out.keys())
    counts = ", ".join(
        f"{k} (Pants {pants.left_out.get(k, 0)}, bin/package {package.left_out.get(k, 0)})" for k in kinds
    )
    return (
        f"{name}: {len(pants.files)} files and {len(pants.distributions)} distributions in both"
        f" ({stripped} shared libraries stripped by bin/package); set aside: {counts or 'nothing'}"
    )


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: compare_zips.py PANTS_DIST BIN_PACKAGE_DIST", file=sys.stderr)
        return 2
    pants_dir, package_dir = (Path(a) for a in argv)
    problems = []
    for name in ZIPS:
        pants, package = read_listing(pants_dir / name), read_listing(package_dir / name)
        found = compare(name, pants, package)
        problems += found
        print(("FAIL " if found else "ok   ") + describe(name, pants, package))
    for line in problems:
        print(f"     {line}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
