"""Every shared library in a Lambda zip is an ELF file of the Lambda's architecture.

A layer built from wheels of the wrong platform installs fine and fails only on the first import
in AWS. No emulator is needed to catch that: the ELF header names the machine (`e_machine`).
Run by bin/package after each build: `python elf_machine.py --arch arm64 dist/*.zip`.
Standard library only.
"""

from __future__ import annotations

import argparse
import struct
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

ELF_MAGIC = b"\x7fELF"
# e_machine values (System V ABI): what `uname -m` calls x86_64 and aarch64.
MACHINES = {"x86_64": 62, "arm64": 183}
MACHINE_NAMES = {62: "x86_64", 183: "aarch64", 3: "i386", 40: "arm"}
HEADER_BYTES = 20  # e_ident (16), e_type (2), e_machine (2)


def elf_machine(header: bytes) -> int | None:
    """The e_machine of an ELF header, or None when the bytes are not an ELF file."""
    if len(header) < HEADER_BYTES or not header.startswith(ELF_MAGIC):
        return None
    byte_order = {1: "<", 2: ">"}.get(header[5])
    if byte_order is None:
        return None
    (machine,) = struct.unpack_from(f"{byte_order}H", header, 18)
    return int(machine)


def is_shared_library_name(name: str) -> bool:
    """`libx.so`, `mod.cpython-312-x86_64-linux-gnu.so`, `libz.so.1.3`."""
    base = name.rsplit("/", 1)[-1]
    return base.endswith(".so") or ".so." in base


def problems_in_zip(path: Path, arch: str) -> Iterator[str]:
    """One line per ELF file of another machine, and per `.so` name that is not ELF at all."""
    expected = MACHINES[arch]
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            with archive.open(info) as member:
                machine = elf_machine(member.read(HEADER_BYTES))
            if machine is None and is_shared_library_name(info.filename):
                yield f"{path.name}: {info.filename} is named like a shared library but is not ELF"
            elif machine is not None and machine != expected:
                found = MACHINE_NAMES.get(machine, f"e_machine {machine}")
                yield f"{path.name}: {info.filename} is {found}, not {arch}"


def count_elf(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return sum(
            elf_machine(archive.open(info).read(HEADER_BYTES)) is not None
            for info in archive.infolist()
            if not info.is_dir()
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=sorted(MACHINES), required=True)
    parser.add_argument("zips", nargs="+", type=Path)
    args = parser.parse_args(argv)
    problems = [line for path in args.zips for line in problems_in_zip(path, args.arch)]
    for line in problems:
        print(f"FAIL {line}", file=sys.stderr)
    if not problems:
        total = sum(count_elf(path) for path in args.zips)
        print(f"elf: {total} ELF files in {len(args.zips)} zips, all {args.arch}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
