"""The architecture check reads real ELF headers and fails on the wrong machine or a fake `.so`."""

from __future__ import annotations

import struct
import sys
import zipfile
from pathlib import Path

import pytest
from elf_machine import MACHINES, elf_machine, main, problems_in_zip


def elf_header(machine: int, *, big_endian: bool = False) -> bytes:
    """The first 20 bytes of a 64-bit ELF shared object (ET_DYN) for `machine`."""
    order = ">" if big_endian else "<"
    ident = b"\x7fELF" + bytes([2, 2 if big_endian else 1, 1]) + bytes(9)
    return ident + struct.pack(f"{order}HH", 3, machine) + bytes(44)


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_reads_the_machine_of_either_byte_order() -> None:
    assert elf_machine(elf_header(183)) == 183
    assert elf_machine(elf_header(62, big_endian=True)) == 62
    assert elf_machine(b"#!/bin/sh\n" + bytes(20)) is None
    assert elf_machine(b"\x7fELF") is None  # truncated


def test_the_interpreter_running_this_test_is_of_its_own_machine() -> None:
    """A real ELF file: the Python binary itself (Linux only)."""
    if not sys.platform.startswith("linux"):
        pytest.fail("the build checks run on Linux")
    machine = elf_machine(Path(sys.executable).resolve().read_bytes()[:20])
    assert machine in MACHINES.values()


def test_a_zip_of_the_right_machine_passes(tmp_path: Path) -> None:
    layer = write_zip(
        tmp_path / "layer.zip",
        {
            "python/_polars_runtime_32/_polars_runtime.abi3.so": elf_header(183),
            "python/libz.so.1.3": elf_header(183),
            "python/polars/__init__.py": b"import sys\n",
        },
    )
    assert list(problems_in_zip(layer, "arm64")) == []
    assert main(["--arch", "arm64", str(layer)]) == 0


def test_a_library_of_another_machine_or_a_fake_so_fails(tmp_path: Path) -> None:
    layer = write_zip(
        tmp_path / "layer.zip",
        {
            "python/pydantic_core/_pydantic_core.cpython-312-x86_64-linux-gnu.so": elf_header(62),
            "python/broken.so": b"not a library",
            "python/tool": elf_header(62),  # an executable without .so is still checked
        },
    )
    problems = list(problems_in_zip(layer, "arm64"))
    assert len(problems) == 3
    assert "is x86_64, not arm64" in problems[0]
    assert "not ELF" in problems[1]
    assert main(["--arch", "arm64", str(layer)]) == 1
