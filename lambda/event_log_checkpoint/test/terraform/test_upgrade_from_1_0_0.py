"""A plan over release 1.0.0's state moves what was renamed and destroys nothing (moved.tf).

Release 1.0.0 (commit cd87cc2) held the resources below, for a deployment named as its example
tfvars named it (`name = "event-log-checkpoint-prod"`). A state with exactly those addresses is
written here, and today's module is planned over it with prod's tfvars and that 1.0.0 name, by
terraform-offline with a stand-in provider that can read a state (offline_state_provider.py).

What this cannot show: the stand-in knows the provider's schema, not which changes force a
replacement, so every changed resource plans as an update; the names that would force one (function,
queues, roles, log group, table) are held equal by test_environments.py's 1.0.0-name test instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hcl_module import MODULE_DIR, REPO_ROOT

NAME = "event-log-checkpoint-prod"
# Every managed resource instance of release 1.0.0, with the name it gave it.
RELEASE_1_0_0 = {
    'aws_s3_object.artifact["function"]': {"key": f"lambda-artifacts/{NAME}/checkpoint_lambda.zip"},
    'aws_s3_object.artifact["powertools"]': {"key": f"lambda-artifacts/{NAME}/powertools_layer.zip"},
    'aws_s3_object.artifact["data_processing"]': {"key": f"lambda-artifacts/{NAME}/data_processing_layer.zip"},
    'aws_lambda_layer_version.built["powertools"]': {"layer_name": f"{NAME}-powertools"},
    'aws_lambda_layer_version.built["data_processing"]': {"layer_name": f"{NAME}-data-processing"},
    "aws_lambda_function.this": {"function_name": NAME},
    "aws_lambda_alias.live": {"name": "live", "function_name": NAME},
    "aws_glue_catalog_database.this": {"name": "event_log_checkpoint_prod"},
    "aws_glue_catalog_table.visit_events": {"name": "visit_events", "database_name": "event_log_checkpoint_prod"},
    "aws_athena_workgroup.this": {"name": NAME},
    "aws_iam_role.lambda": {"name": f"{NAME}-lambda"},
    "aws_iam_role_policy.lambda": {"name": f"{NAME}-lambda"},
    "aws_iam_role.scheduler": {"name": f"{NAME}-scheduler"},
    "aws_iam_role_policy.scheduler": {"name": f"{NAME}-scheduler"},
    "aws_cloudwatch_log_group.lambda": {"name": f"/aws/lambda/{NAME}"},
    "aws_cloudwatch_metric_alarm.errors": {"alarm_name": f"{NAME}-errors"},
    "aws_cloudwatch_metric_alarm.run_failed": {"alarm_name": f"{NAME}-run-failed"},
    "aws_cloudwatch_metric_alarm.duration": {"alarm_name": f"{NAME}-duration"},
    "aws_cloudwatch_metric_alarm.events_failed": {"alarm_name": f"{NAME}-events-failed"},
    "aws_cloudwatch_metric_alarm.dead_letters": {"alarm_name": f"{NAME}-dead-letters"},
    "aws_sqs_queue.dead_letters": {"name": f"{NAME}-dead-letters"},
    "aws_scheduler_schedule.run": {"name": NAME},
}
MOVED = {
    f"aws_cloudwatch_metric_alarm.{key}": f'aws_cloudwatch_metric_alarm.this["{key}"]'
    for key in ("errors", "run_failed", "duration", "events_failed", "dead_letters")
}
ORIGINAL_TOOL = Path(
    os.environ.get("TF_OFFLINE", REPO_ROOT.parent / "shared" / "tools" / "terraform-offline" / "tf-offline")
)
_ADDRESS = re.compile(r'^(?P<type>\w+)\.(?P<name>\w+)(?:\["(?P<key>[^"]+)"\])?$')


def _state(addresses: dict[str, dict[str, str]]) -> dict[str, object]:
    """A version-4 state file holding these resource instances (each with its own attributes only)."""
    resources: dict[tuple[str, str], dict[str, object]] = {}
    for address, attributes in addresses.items():
        match = _ADDRESS.match(address)
        assert match, address
        resource = resources.setdefault(
            (match["type"], match["name"]),
            {
                "mode": "managed",
                "type": match["type"],
                "name": match["name"],
                "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                "instances": [],
            },
        )
        if match["key"]:
            resource["each"] = "map"
        instance: dict[str, object] = {"schema_version": 0, "attributes": {"id": address, **attributes}}
        if match["key"]:
            instance["index_key"] = match["key"]
        resource["instances"].append(instance)  # type: ignore[attr-defined]
    return {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": "release-1.0.0",
        "outputs": {},
        "resources": list(resources.values()),
    }


@pytest.fixture(scope="module")
def offline_tool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of tf-offline whose provider is offline_state_provider.py (the original's, plus state)."""
    original = ORIGINAL_TOOL
    if not original.is_file() or shutil.which("terraform") is None:
        pytest.skip(f"terraform-offline ({original}) or terraform is not here: the upgrade plan cannot run")
    tool = tmp_path_factory.mktemp("tf-offline")
    shutil.copy(original, tool / "tf-offline")
    for name in ("aws_schema.json", "requirements.txt"):  # the same virtualenv as the original's
        (tool / name).symlink_to(original.parent / name)
    shutil.copy(Path(__file__).with_name("offline_state_provider.py"), tool / "aws_provider.py")
    # Moves show in terraform's JSON as the change's previous address: report them.
    digest = (tool / "tf-offline").read_text(encoding="utf-8")
    reported = 'changes.append(m["@message"])'
    assert reported in digest, "tf-offline's report changed: update this copy"
    (tool / "tf-offline").write_text(
        digest.replace(
            reported,
            'changes.append(m["@message"] + (" (moved from %s)" % m["change"]["previous_resource"]["addr"]'
            ' if m["change"].get("previous_resource") else ""))',
        ),
        encoding="utf-8",
    )
    return tool


def test_plan_over_release_1_0_0_state_moves_the_alarms_and_destroys_nothing(
    offline_tool: Path, tmp_path: Path
) -> None:
    state = tmp_path / "release-1.0.0.tfstate"
    state.write_text(json.dumps(_state(RELEASE_1_0_0)), encoding="utf-8")
    name = tmp_path / "release-1.0.0-name.tfvars"
    name.write_text(f'name = "{NAME}"\n', encoding="utf-8")
    done = subprocess.run(
        [
            str(offline_tool / "tf-offline"),
            "plan",
            str(MODULE_DIR),
            "--var-file",
            str(MODULE_DIR / "terraform.prod.tfvars"),
            "--var-file",
            str(name),
            "--stub-missing-files",
            "--",
            f"-state={state}",
            "-refresh=false",
        ],
        env={
            **os.environ,
            "STATE_PROVIDER_BASE": str(
                Path(
                    os.environ.get(
                        "TF_OFFLINE", REPO_ROOT.parent / "shared" / "tools" / "terraform-offline" / "tf-offline"
                    )
                ).parent
                / "aws_provider.py"
            ),
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    changes = dict(line.split(": Plan to ", 1) for line in done.stdout.splitlines() if ": Plan to " in line)
    for old, new in MOVED.items():
        assert changes[new].endswith(f"(moved from {old})"), f"{new}: {changes.get(new)}"
    created = {address for address, change in changes.items() if change.startswith("create")}
    assert created == {"aws_lambda_alias.candidate", "aws_glue_catalog_table.current_events"}, (
        "only what this release adds; a 1.0.0 resource planned anew would be a replacement"
    )
    kept = set(RELEASE_1_0_0) - set(MOVED)
    assert {address for address in kept if address in changes} <= {
        address for address, change in changes.items() if change.startswith("update")
    }
    assert not any(change.startswith(("delete", "replace")) for change in changes.values())
    (summary,) = [line for line in done.stdout.splitlines() if line.startswith("Plan: ")]
    assert summary.startswith("Plan: 2 to add, "), summary
    assert summary.endswith(", 0 to destroy."), summary
