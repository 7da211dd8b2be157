"""Fixtures: the parsed Terraform, and `terraform console` over its variables and locals."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hcl_module import LOCALS_FILES, MODULE_DIR, Config, Console, ConsoleResult

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

    Variables come from terraform.<environment>.tfvars (prod unless `environment=` says otherwise),
    then from `var_file=` (a path, e.g. single_key.tfvars) if given, overridden by keyword arguments;
    a keyword whose value is None sets that variable to null. The values come back through one
    jsonencode (piped, the console prints only its last line's result).
    """
    for name in ("variables.tf", "locals.tf", *LOCALS_FILES):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(MODULE_DIR / name, tmp_path / name)
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
    if not Path(env.get("TF_CLI_CONFIG_FILE", "/")).is_file():
        env.pop("TF_CLI_CONFIG_FILE", None)  # a CLI config that is named but missing only adds a warning

    def run(
        *expressions: str, environment: str = "prod", var_file: Path | None = None, **variables: str | None
    ) -> ConsoleResult:
        args = [terraform_bin, "console", f"-var-file={MODULE_DIR / f'terraform.{environment}.tfvars'}"]
        if var_file is not None:
            args.append(f"-var-file={var_file}")
        nulls = {name for name, value in variables.items() if value is None}
        if nulls:
            overrides = tmp_path / "nulls.tfvars"
            overrides.write_text("".join(f"{name} = null\n" for name in sorted(nulls)), encoding="utf-8")
            args.append(f"-var-file={overrides}")
        args += [f"-var={name}={value}" for name, value in variables.items() if value is not None]
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
