"""The Lambda platform as a pex complete platform: what Pants 2.18+ ships as JSON files per runtime.

A python3.12 Lambda runs CPython 3.12 on Amazon Linux 2023 (glibc 2.34). Pex's abbreviated
platforms (`linux_x86_64-cp-312-cp312`) know manylinux only up to manylinux2014, so the tags are
spelled out here: every manylinux tag from the given glibc down, most specific first.
"""

from __future__ import annotations

import json
import re

from packaging import tags

# The oldest glibc with manylinux wheels per machine (aarch64 wheels start at manylinux2014).
_OLDEST_GLIBC_MINOR = {"x86_64": 5, "aarch64": 17}
_LEGACY_ALIASES = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}


def linux_platforms(machine: str, manylinux: str) -> list[str]:
    """Platform tags a glibc-based Linux of `machine` accepts, e.g. manylinux_2_34_x86_64 ... linux_x86_64."""
    match = re.fullmatch(r"manylinux_2_(\d+)", manylinux)
    if match is None:
        raise ValueError(f"[python].resolver_manylinux must be manylinux_2_NN for Lambda targets, not {manylinux!r}")
    found = []
    for minor in range(int(match[1]), _OLDEST_GLIBC_MINOR[machine] - 1, -1):
        found.append(f"manylinux_2_{minor}_{machine}")
        if minor in _LEGACY_ALIASES:
            found.append(f"{_LEGACY_ALIASES[minor]}_{machine}")
    return [*found, f"linux_{machine}"]


def complete_platform(version: tuple[int, int], machine: str, manylinux: str) -> bytes:
    """Pex complete platform JSON (marker environment and compatible tags) for CPython `version`."""
    platforms = linux_platforms(machine, manylinux)
    abi = f"cp{version[0]}{version[1]}"
    compatible = [*tags.cpython_tags(version, [abi], platforms), *tags.compatible_tags(version, abi, platforms)]
    full_version = f"{version[0]}.{version[1]}.0"
    markers = {
        "implementation_name": "cpython",
        "implementation_version": full_version,
        "os_name": "posix",
        "platform_machine": machine,
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": full_version,
        "python_version": f"{version[0]}.{version[1]}",
        "sys_platform": "linux",
    }
    document = {"marker_environment": markers, "compatible_tags": [str(tag) for tag in compatible]}
    return json.dumps(document, indent=1).encode()
