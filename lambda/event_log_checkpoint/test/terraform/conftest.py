"""Fixtures: the parsed Terraform, and `terraform console` over its variables and locals."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hcl_module import MODULE_DIR, Config, Console, ConsoleResult

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="session")
def tf() -> Config:
    return Config.load()


@pytest.fixture(scope="session")
def terraform_bin() -> str:
    found = shutil.which("terraform")
    if found is None:
        pytest.skip("terraform is not on PATH: locals cannot be evaluated here (the parsed-HCL tests still ran)")
    return found


@pytest.fixture
def console(terraform_bin: str, tmp_path: Path) -> Console:
    """Evaluates expressions over the module's variables.tf and locals.tf: no provider is needed.

    Variables come from terraform.tfvars.example, overridden by keyword arguments. The values
    come back through one jsonencode (piped, the console prints only its last line's result).
    """
    for name in ("variables.tf", "locals.tf"):
        shutil.copy(MODULE_DIR / name, tmp_path / name)
    shutil.copy(MODULE_DIR / "terraform.tfvars.example", tmp_path / "example.tfvars")
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
    if not Path(env.get("TF_CLI_CONFIG_FILE", "/")).is_file():
        env.pop("TF_CLI_CONFIG_FILE", None)  # a CLI config that is named but missing only adds a warning

    def run(*expressions: str, **variables: str) -> ConsoleResult:
        args = [terraform_bin, "console", "-var-file=example.tfvars"]
        args += [f"-var={name}={value}" for name, value in variables.items()]
        done = subprocess.run(
            args,
            input=f"jsonencode([{', '.join(expressions)}])\n",
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=60,
            check=False,
        )
        stderr = _ANSI.sub("", done.stderr)
        invalid = "Invalid value for variable" in stderr
        assert done.returncode == 0 or invalid, f"terraform console failed:\n{stderr}"
        if invalid:
            return ConsoleResult([], invalid, stderr)
        values = json.loads(json.loads(done.stdout))
        assert len(values) == len(expressions), f"expected {len(expressions)} values:\n{done.stdout}\n{stderr}"
        return ConsoleResult(values, invalid, stderr)

    return run
