"""Starts the function the way the python3.12 runtime does, inside a bare interpreter.

Run by the artifact test as `python -B -S -I lambda_bootstrap.py TASK OPT RUNTIME REPORT`
(no site-packages, no PYTHON* variables): sys.path gets Lambda's entries in Lambda's order
(the function, the layers' two folders, the runtime's own packages) before the standard library,
and the runtime interface client (awslambdaric, from the runtime folder) then imports the handler
named by _HANDLER and serves invocations from AWS_LAMBDA_RUNTIME_API, as in AWS.

REPORT receives, before the client starts, when this script began, when the client was imported,
whether each folder is read-only, and sys.path. With `--probe`, the handler module is imported
directly instead, then each reported package, and REPORT also names the packages the handler's
init loaded and the file each top-level package came from.
Standard library only, so it runs before anything is on the path.
"""

from __future__ import annotations

import time

STARTED = time.time()

import importlib  # noqa: E402 - the start time is taken first
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

REPORTED_PACKAGES = (
    "checkpoint_lambda",
    "aws_lambda_powertools",
    "pydantic",
    "polars",
    "obstore",
    "boto3",
    "awslambdaric",
)


def lambda_sys_path(task: str, opt: str, runtime: str) -> list[str]:
    """The python3.12 runtime's sys.path entries ahead of the standard library."""
    return [task, f"{opt}/python/lib/python3.12/site-packages", f"{opt}/python", runtime]


def read_only(path: str) -> bool:
    return bool(os.statvfs(path).f_flag & os.ST_RDONLY)


def origin(name: str) -> str | None:
    module = sys.modules.get(name)
    return getattr(module, "__file__", None) if module is not None else None


def main(argv: list[str]) -> int:
    probe = argv[:1] == ["--probe"]
    task, opt, runtime, report_path = argv[1:] if probe else argv
    sys.path[:0] = lambda_sys_path(task, opt, runtime)
    report: dict[str, object] = {
        "started": STARTED,
        "read_only": {name: read_only(path) for name, path in (("task", task), ("opt", opt), ("runtime", runtime))},
        "sys_path": list(sys.path),
    }
    if probe:
        importlib.import_module("awslambdaric")
        importlib.import_module(os.environ["_HANDLER"].rpartition(".")[0])
        report["imported"] = time.time()
        report["loaded_at_init"] = [name for name in REPORTED_PACKAGES if name in sys.modules]
        for name in REPORTED_PACKAGES:  # the handler's paths import the rest when they run
            importlib.import_module(name)
        report["origins"] = {name: origin(name) for name in REPORTED_PACKAGES}
        Path(report_path).write_text(json.dumps(report), encoding="utf-8")
        return 0
    from awslambdaric import __main__ as runtime_client  # type: ignore[import-untyped]  # noqa: PLC0415

    report["runtime_client_imported"] = time.time()
    Path(report_path).write_text(json.dumps(report), encoding="utf-8")
    runtime_client.main([sys.argv[0], os.environ["_HANDLER"]])  # serves invocations until killed
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
