"""The three zips laid out as Lambda lays them out, and the command that starts a runtime on them.

The function zip goes into `task/` (Lambda's /var/task), both layers into `opt/` (mounted at /opt),
and what the python3.12 runtime itself brings (the runtime interface client, boto3 and their
needs, copied from this test's environment and compiled like the runtime image's) into `runtime/`
(Lambda's /var/runtime). Where the machine allows a private mount namespace (`unshare -m`, as
root), the process sees `opt/` at a read-only /opt and the other two folders read-only too, as in
AWS; elsewhere it runs on the plain folders.
"""

from __future__ import annotations

import compileall
import functools
import importlib.metadata
import os
import py_compile
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

BOOTSTRAP = Path(__file__).with_name("lambda_bootstrap.py")
FUNCTION_ZIP = "checkpoint_lambda.zip"
LAYER_ZIPS = ("powertools_layer.zip", "data_processing_layer.zip")
# What the Lambda python3.12 runtime ships, so the layers leave it out (see bin/package).
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six")
RUNTIME_CLIENT = ("awslambdaric", "simplejson", "snapshot-restore-py")
# Mounts the layers at /opt and makes the three folders read-only, then runs the command ("$@").
_MOUNT_SCRIPT = """set -e
mount --bind "$1" /opt && mount -o remount,bind,ro /opt
for folder in "$2" "$3"; do mount --bind "$folder" "$folder" && mount -o remount,bind,ro "$folder"; done
shift 3
exec "$@"
"""


@dataclass(frozen=True)
class LambdaTree:
    task: Path
    opt: Path
    runtime: Path


@dataclass(frozen=True)
class Launch:
    """A command line for one runtime process, and how that process sees the layers."""

    argv: list[str]
    opt: str
    read_only: bool


def copy_distribution(name: str, dest: Path) -> None:
    """Copy an installed distribution's files (as its RECORD lists them) into `dest`."""
    dist = importlib.metadata.distribution(name)
    site = Path(str(dist.locate_file(""))).resolve()
    for file in dist.files or ():
        source = Path(str(dist.locate_file(file))).resolve()
        if not source.is_relative_to(site) or source.suffix == ".pyc" or not source.is_file():
            continue  # console scripts outside site-packages, bytecode
        target = dest / source.relative_to(site)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def build_tree(root: Path, artifacts: Path) -> LambdaTree:
    tree = LambdaTree(task=root / "task", opt=root / "opt", runtime=root / "runtime")
    with zipfile.ZipFile(artifacts / FUNCTION_ZIP) as function_zip:
        function_zip.extractall(tree.task)
    for layer in LAYER_ZIPS:
        with zipfile.ZipFile(artifacts / layer) as layer_zip:
            layer_zip.extractall(tree.opt)
    for name in (*RUNTIME_PROVIDED, *RUNTIME_CLIENT):
        copy_distribution(name, tree.runtime)
    invalidation = py_compile.PycInvalidationMode.UNCHECKED_HASH
    assert compileall.compile_dir(tree.runtime, quiet=1, workers=0, invalidation_mode=invalidation)
    return tree


def lambda_python() -> str:
    """A Python 3.12 interpreter: LAMBDA_PYTHON, or the real file behind this test's own."""
    python = os.environ.get("LAMBDA_PYTHON") or os.path.realpath(sys.executable)
    version = subprocess.run(
        [python, "-S", "-I", "-c", "import sys; print(sys.version_info[:2] == (3, 12))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert version == "True", f"{python} is not Python 3.12"
    return python


@functools.cache
def private_mounts_available() -> bool:
    """Whether this process may make a mount namespace of its own (root, and no seccomp veto)."""
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", "mount -t tmpfs none /mnt"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def launch(tree: LambdaTree, python: str, report: Path, *, probe: bool = False, importtime: bool = False) -> Launch:
    """The command that runs lambda_bootstrap.py on `tree`, read-only at /opt where possible."""
    flags = ["-B", "-S", "-I", *(["-X", "importtime"] if importtime else [])]
    private = private_mounts_available() and not python.startswith("/opt/")
    opt = "/opt" if private else str(tree.opt)
    command = [python, *flags, str(BOOTSTRAP), *(["--probe"] if probe else []), str(tree.task), opt]
    command += [str(tree.runtime), str(report)]
    if not private:
        return Launch(command, opt, read_only=False)
    mounts = ["unshare", "-m", "--propagation", "private", "sh", "-c", _MOUNT_SCRIPT, "sh"]
    return Launch([*mounts, str(tree.opt), str(tree.task), str(tree.runtime), *command], opt, read_only=True)
