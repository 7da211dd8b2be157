"""bin/deploy and bin/promote, run for real with stand-ins for `terraform` and `aws` (no AWS here).

bin/deploy must init with the environment's backend file and plan or apply with its tfvars, and
migrate a local state (release 1.0.0's) with -migrate-state, never plan over one it would ignore;
bin/promote must dry-run the candidate's version, refuse anything but a 200 dry-run answer, move
live, record the move where --rollback finds it, and roll back to the recorded version.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hcl_module import MODULE_DIR, REPO_ROOT

FUNCTION = "event-log-checkpoint-prod"
DRY_RUN_ANSWER = {"statusCode": 200, "dry_run": True, "version": "2.0.0", "new_events_processed": 12}


def _run(script: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REPO_ROOT / "bin" / script), *args],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": env["HOME"], "USER": "operator", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@dataclass(frozen=True)
class FakeAws:
    state_file: Path
    calls_file: Path
    records: Path
    home: Path

    def promote(self, *args: str) -> subprocess.CompletedProcess[str]:
        aws = Path(__file__).with_name("fake_aws.py")
        wrapper = self.home / "aws"
        wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{aws}" "$@"\n', encoding="utf-8")
        wrapper.chmod(0o755)
        env = {
            "AWS": str(wrapper),
            "PYTHON": sys.executable,
            "FAKE_AWS_STATE": str(self.state_file),
            "FAKE_AWS_CALLS": str(self.calls_file),
            "PROMOTIONS_DIR": str(self.records),
            "HOME": str(self.home),
        }
        return _run("promote", *args, env=env)

    @property
    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(self.state_file.read_text(encoding="utf-8"))
        return state

    def calls(self, command: str | None = None) -> list[list[str]]:
        if not self.calls_file.exists():
            return []
        calls = [json.loads(line) for line in self.calls_file.read_text(encoding="utf-8").splitlines()]
        return [call for call in calls if command is None or call[1] == command]

    def record_rows(self) -> list[dict[str, str]]:
        lines = (self.records / "prod.tsv").read_text(encoding="utf-8").splitlines()
        header = lines[0].split("\t")
        return [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]


@pytest.fixture
def aws(tmp_path: Path) -> FakeAws:
    fake = FakeAws(tmp_path / "state.json", tmp_path / "calls.jsonl", tmp_path / "promotions", tmp_path)
    fake.state_file.write_text(
        json.dumps(
            {
                "function": FUNCTION,
                "aliases": {
                    "candidate": {"version": "7", "description": "Release 2.0.0: ..."},
                    "live": {
                        "version": "6",
                        "description": "The version the schedule invokes; moved only by bin/promote.",
                    },
                },
                "descriptions": {"6": "Release 1.0.0 (prod): ...", "7": "Release 2.0.0 (prod): ..."},
                "response": DRY_RUN_ANSWER,
            }
        ),
        encoding="utf-8",
    )
    return fake


def _answer(aws: FakeAws, **changes: Any) -> None:
    state = aws.state
    state.update(changes)
    aws.state_file.write_text(json.dumps(state), encoding="utf-8")


# --- bin/promote ---------------------------------------------------------------------------------


def test_promote_dry_runs_the_candidates_version_then_moves_live_and_records_it(aws: FakeAws) -> None:
    result = aws.promote("prod")
    assert result.returncode == 0, result.stderr
    (invoke,) = aws.calls("invoke")
    assert invoke[invoke.index("--qualifier") + 1] == "7", "the version candidate points at, by number"
    assert json.loads(invoke[invoke.index("--payload") + 1]) == {"dry_run": True}
    assert invoke[invoke.index("--cli-read-timeout") + 1] == "0"
    live = aws.state["aliases"]["live"]
    assert live["version"] == "7"
    assert "release=2.0.0 version=7 previous=6 " in live["description"]
    assert "by=operator action=promote" in live["description"]
    (row,) = aws.record_rows()
    assert (row["action"], row["function"], row["release"], row["version"], row["previous"]) == (
        "promote",
        FUNCTION,
        "2.0.0",
        "7",
        "6",
    )
    assert "live is version 7" in result.stdout


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"response": {"statusCode": 500, "error": "CheckpointError", "message": "boom"}}, "statusCode 500"),
        ({"response": {"statusCode": 207, "dry_run": True, "groups": []}}, "statusCode 207"),
        ({"response": {"statusCode": 200, "version": "2.0.0"}}, "does not say dry_run: true"),
        ({"response": {"errorMessage": "Task timed out"}, "function_error": "Unhandled"}, "it failed (Unhandled)"),
        ({"invoke_refused": "TooManyRequestsException: Rate Exceeded."}, "could not be invoked"),
    ],
)
def test_promote_leaves_live_alone_unless_the_dry_run_answers_200(
    aws: FakeAws, answer: dict[str, Any], reason: str
) -> None:
    _answer(aws, **answer)
    result = aws.promote("prod")
    assert result.returncode == 1
    assert reason in result.stderr
    assert aws.state["aliases"]["live"]["version"] == "6"
    assert aws.calls("update-alias") == []
    assert not (aws.records / "prod.tsv").exists()


def test_promote_with_live_already_at_the_candidate_does_nothing(aws: FakeAws) -> None:
    state = aws.state
    state["aliases"]["live"]["version"] = "7"
    aws.state_file.write_text(json.dumps(state), encoding="utf-8")
    result = aws.promote("prod")
    assert result.returncode == 0, result.stderr
    assert "nothing to promote" in result.stdout
    assert aws.calls("invoke") == []
    assert aws.calls("update-alias") == []


def test_rollback_moves_live_to_the_version_before_its_last_move(aws: FakeAws) -> None:
    assert aws.promote("prod").returncode == 0
    result = aws.promote("prod", "--rollback")
    assert result.returncode == 0, result.stderr
    live = aws.state["aliases"]["live"]
    assert live["version"] == "6"
    assert "release=1.0.0 version=6 previous=7 " in live["description"]
    assert [row["action"] for row in aws.record_rows()] == ["promote", "rollback"]
    assert len(aws.calls("invoke")) == 1, "a rollback runs nothing"


def test_rollback_without_a_recorded_move_refuses(aws: FakeAws) -> None:
    result = aws.promote("prod", "--rollback")
    assert result.returncode == 1
    assert "records no previous version" in result.stderr
    assert aws.state["aliases"]["live"]["version"] == "6"


@pytest.mark.parametrize("args", [(), ("qa",), ("prod", "--force"), ("prod", "--rollback", "x")])
def test_promote_usage_errors(aws: FakeAws, args: tuple[str, ...]) -> None:
    result = aws.promote(*args)
    assert result.returncode == 2
    assert "usage: bin/promote dev|staging|prod [--rollback]" in result.stderr
    assert aws.calls() == []


# --- bin/deploy ----------------------------------------------------------------------------------


@pytest.fixture
def terraform(tmp_path: Path) -> tuple[Path, Path]:
    calls = tmp_path / "terraform-calls.txt"
    fake = tmp_path / "terraform"
    fake.write_text(
        f"""#!/bin/sh
echo "$*" >> "{calls}"
case "$*" in
  *"output -raw candidate_version"*) printf 8 ;;
  *"output -raw release"*) printf 2.0.0 ;;
esac
""",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    return fake, calls


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_deploy_plan_inits_with_the_environments_backend_then_plans_with_its_tfvars(
    terraform: tuple[Path, Path], tmp_path: Path, environment: str
) -> None:
    fake, calls = terraform
    result = _run("deploy", environment, env={"TERRAFORM": str(fake), "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert calls.read_text(encoding="utf-8").splitlines() == [
        f"-chdir={MODULE_DIR} init -input=false -reconfigure -backend-config=backend/{environment}.s3.tfbackend",
        f"-chdir={MODULE_DIR} plan -var-file=terraform.{environment}.tfvars",
    ]


def test_deploy_apply_passes_extra_arguments_and_names_the_candidate(
    terraform: tuple[Path, Path], tmp_path: Path
) -> None:
    fake, calls = terraform
    result = _run("deploy", "prod", "apply", "--", "-auto-approve", env={"TERRAFORM": str(fake), "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    lines = calls.read_text(encoding="utf-8").splitlines()
    assert lines[1] == f"-chdir={MODULE_DIR} apply -var-file=terraform.prod.tfvars -auto-approve"
    assert "release 2.0.0 is version 8" in result.stdout
    assert "bin/promote prod" in result.stdout


def test_deploy_stops_when_init_fails(tmp_path: Path) -> None:
    fake = tmp_path / "terraform"
    fake.write_text(f'#!/bin/sh\necho "$*" >> "{tmp_path}/calls"\nexit 1\n', encoding="utf-8")
    fake.chmod(0o755)
    result = _run("deploy", "staging", "apply", env={"TERRAFORM": str(fake), "HOME": str(tmp_path)})
    assert result.returncode == 1
    assert len((tmp_path / "calls").read_text(encoding="utf-8").splitlines()) == 1, "no apply after a failed init"


@pytest.mark.parametrize("args", [(), ("qa",), ("prod", "destroy"), ("prod", "plan", "-out=x")])
def test_deploy_usage_errors(terraform: tuple[Path, Path], tmp_path: Path, args: tuple[str, ...]) -> None:
    fake, calls = terraform
    result = _run("deploy", *args, env={"TERRAFORM": str(fake), "HOME": str(tmp_path)})
    assert result.returncode == 2
    assert "usage: bin/deploy dev|staging|prod [plan|apply|migrate-state]" in result.stderr
    assert not calls.exists()


def test_deploy_without_terraform_says_so(tmp_path: Path) -> None:
    result = _run("deploy", "dev", env={"TERRAFORM": str(tmp_path / "missing"), "HOME": str(tmp_path)})
    assert result.returncode == 1
    assert "no terraform (>= 1.10) found" in result.stderr


# --- bin/deploy: from a local state (release 1.0.0) to the environment's backend ---------------------


@pytest.fixture
def module_copy(tmp_path: Path) -> Path:
    """The files bin/deploy checks, in a folder of their own (DEPLOY_MODULE), to put local states in."""
    copy = tmp_path / "module"
    (copy / "backend").mkdir(parents=True)
    for environment in ("dev", "staging", "prod"):
        name = f"terraform.{environment}.tfvars"
        (copy / name).write_text((MODULE_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
        backend = f"backend/{environment}.s3.tfbackend"
        (copy / backend).write_text((MODULE_DIR / backend).read_text(encoding="utf-8"), encoding="utf-8")
    return copy


def _deploy(fake: Path, module: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _run("deploy", *args, env={"TERRAFORM": str(fake), "DEPLOY_MODULE": str(module), "HOME": str(home)})


def test_migrate_state_copies_the_local_state_into_the_backend_and_sets_it_aside(
    terraform: tuple[Path, Path], module_copy: Path, tmp_path: Path
) -> None:
    fake, calls = terraform
    (module_copy / "terraform.tfstate").write_text('{"version": 4}', encoding="utf-8")
    result = _deploy(fake, module_copy, tmp_path, "prod", "migrate-state", "--", "-force-copy")
    assert result.returncode == 0, result.stderr
    assert calls.read_text(encoding="utf-8").splitlines() == [
        f"-chdir={module_copy} init -migrate-state -backend-config=backend/prod.s3.tfbackend -force-copy"
    ]
    assert not (module_copy / "terraform.tfstate").exists()
    assert (module_copy / "terraform.tfstate.migrated-prod").read_text(encoding="utf-8") == '{"version": 4}'


def test_plan_refuses_a_local_state_that_its_init_would_ignore(
    terraform: tuple[Path, Path], module_copy: Path, tmp_path: Path
) -> None:
    fake, calls = terraform
    (module_copy / "terraform.tfstate").write_text('{"version": 4}', encoding="utf-8")
    result = _deploy(fake, module_copy, tmp_path, "prod", "plan")
    assert result.returncode == 1
    assert "bin/deploy prod migrate-state" in result.stderr
    assert not calls.exists(), "no init -reconfigure over an unmigrated state"


def test_workspace_states_are_refused_for_every_action(
    terraform: tuple[Path, Path], module_copy: Path, tmp_path: Path
) -> None:
    fake, calls = terraform
    (module_copy / "terraform.tfstate.d" / "prod").mkdir(parents=True)
    for action in ("plan", "apply", "migrate-state"):
        result = _deploy(fake, module_copy, tmp_path, "prod", action)
        assert result.returncode == 1, action
        assert "terraform.tfstate.d" in result.stderr
    assert not calls.exists()


def test_migrate_state_refuses_without_a_local_state_or_with_cached_backend_settings(
    terraform: tuple[Path, Path], module_copy: Path, tmp_path: Path
) -> None:
    fake, calls = terraform
    missing = _deploy(fake, module_copy, tmp_path, "staging", "migrate-state")
    assert missing.returncode == 1
    assert "no local state to migrate" in missing.stderr
    (module_copy / "terraform.tfstate").write_text('{"version": 4}', encoding="utf-8")
    (module_copy / ".terraform").mkdir()
    (module_copy / ".terraform" / "terraform.tfstate").write_text("{}", encoding="utf-8")
    cached = _deploy(fake, module_copy, tmp_path, "staging", "migrate-state")
    assert cached.returncode == 1
    assert "remove it" in cached.stderr
    assert not calls.exists()
    assert (module_copy / "terraform.tfstate").exists(), "nothing moved"
