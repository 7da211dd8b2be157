"""dev, staging and prod: one tfvars and one backend file each, differing only where the environments
do; prod as NACC runs it; the state bucket that the backends name; bin/promote's naming assumption."""

from __future__ import annotations

import pytest

from hcl_module import ENVIRONMENTS, MODULE_DIR, STATE_BUCKET_DIR, Config, Console, env_tfvars, tfvars

# What may differ between environments' tfvars; everything else is the same in all three.
PER_ENVIRONMENT = {
    "environment",
    "source_prefix",
    "checkpoint_key_template",
    "schedule_expression",
    "schedule_enabled",
    "event_ingestion",
    "alarm_sns_topic_arn",
    "athena_results_location",
}


def test_each_environment_has_its_tfvars_and_backend_and_nothing_else() -> None:
    assert sorted(path.name for path in MODULE_DIR.glob("*.tfvars")) == [
        f"terraform.{e}.tfvars" for e in sorted(ENVIRONMENTS)
    ]
    assert sorted(path.name for path in (MODULE_DIR / "backend").iterdir()) == sorted(
        f"{e}.s3.tfbackend" for e in ENVIRONMENTS
    )
    assert not (MODULE_DIR / "terraform.tfvars").exists(), "a terraform.tfvars would load into every environment"


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_tfvars_names_its_environment_and_sets_every_required_variable(
    console: Console, tf: Config, environment: str
) -> None:
    values = env_tfvars(environment)
    assert values["environment"] == environment
    assert "name" not in values, "bin/promote finds the function as event-log-checkpoint-<environment>"
    required = sorted(name for name, variable in tf.variables.items() if "default" not in variable)
    assert set(required) <= set(values), f"unset: {set(required) - set(values)}"
    result = console("local.name", "local.glue_database_name", environment=environment)
    assert not result.invalid_variables, result.stderr
    assert result.values == [f"event-log-checkpoint-{environment}", f"event_log_checkpoint_{environment}"]


def test_environments_differ_only_where_they_must() -> None:
    values = {environment: env_tfvars(environment) for environment in ENVIRONMENTS}
    assert all(v.keys() == values["prod"].keys() for v in values.values())
    for name in values["prod"].keys() - PER_ENVIRONMENT:
        assert len({repr(v[name]) for v in values.values()}) == 1, f"{name} differs between environments"
    for name in PER_ENVIRONMENT - {"source_prefix", "schedule_enabled", "event_ingestion"}:
        assert len({repr(v[name]) for v in values.values()}) == 3, f"{name} is shared between environments"
    for environment, v in values.items():
        assert environment in v["athena_results_location"]
        assert v["checkpoint_key_template"].startswith(f"{environment}/"), "each writes under its own prefix"


def test_prod_is_nacc_production() -> None:
    prod = env_tfvars("prod")
    assert prod["source_bucket"] == prod["checkpoint_bucket"] == "submission-events"
    assert prod["source_prefix"] == "prod/"
    assert prod["checkpoint_key_template"] == "prod/checkpoints/{study}/{datatype}/events.parquet"
    assert prod["schedule_expression"] == "cron(0 10 ? * FRI *)"
    assert prod["schedule_enabled"] is True
    assert "checkpoint_key" not in prod
    assert prod["architecture"] == "x86_64"


@pytest.mark.parametrize(("environment", "on"), [("dev", True), ("staging", True), ("prod", False)])
def test_event_path_is_tried_in_dev_and_staging_before_prod(console: Console, environment: str, on: bool) -> None:
    """Staging runs it on prod's own traffic, with its weekly run as the backstop, before prod does."""
    assert env_tfvars(environment)["event_ingestion"] is on
    variables, concurrency, schedule = console(
        "local.lambda_environment", "local.reserved_concurrency", "local.schedule_expression", environment=environment
    ).values
    assert variables["EVENT_INGESTION"] == ("on" if on else "off")
    assert concurrency == (3 if on else 1), "the event path's two runs and the schedule's, or one run at a time"
    assert schedule == env_tfvars(environment)["schedule_expression"], "each environment keeps its own schedule"


def test_staging_rehearses_prod_on_its_log_the_day_before() -> None:
    staging, prod = env_tfvars("staging"), env_tfvars("prod")
    assert staging["source_prefix"] == prod["source_prefix"]
    assert staging["schedule_expression"] == "cron(0 10 ? * THU *)"


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_backend_has_bucket_key_and_region_and_its_own_key(environment: str) -> None:
    backend = tfvars(MODULE_DIR / "backend" / f"{environment}.s3.tfbackend")
    assert set(backend) == {"bucket", "key", "region"}
    assert backend["key"] == f"event-log-checkpoint/{environment}/terraform.tfstate"
    assert backend["region"] == env_tfvars(environment)["region"]


def test_backends_name_the_bucket_the_state_module_makes() -> None:
    state = tfvars(STATE_BUCKET_DIR / "terraform.tfvars")
    backends = [tfvars(MODULE_DIR / "backend" / f"{e}.s3.tfbackend") for e in ENVIRONMENTS]
    assert {b["bucket"] for b in backends} == {state["bucket_name"]}
    assert {b["region"] for b in backends} == {state["region"]}


def test_state_bucket_is_versioned_encrypted_private_and_tls_only() -> None:
    state = Config.load(STATE_BUCKET_DIR)
    assert state.resource("aws_s3_bucket", "state")["lifecycle"][0]["prevent_destroy"] is True
    versioning = state.resource("aws_s3_bucket_versioning", "state")
    assert versioning["versioning_configuration"] == [{"status": "Enabled"}]
    encryption = state.resource("aws_s3_bucket_server_side_encryption_configuration", "state")
    assert encryption["rule"][0]["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == "aws:kms"
    block = state.resource("aws_s3_bucket_public_access_block", "state")
    assert all(
        block[flag] is True
        for flag in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    (statement,) = state.data("aws_iam_policy_document", "state")["statement"]
    assert statement["effect"] == "Deny"
    assert statement["condition"] == [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]
    assert "backend" not in state.blocks["terraform"][0], "the state bucket's own state starts local"


@pytest.mark.parametrize("name", ["event-log-checkpoint", "event-log-checkpoint-prod"])
def test_a_release_1_0_0_name_with_the_environment_is_not_suffixed_twice(console: Console, name: str) -> None:
    """1.0.0 took the whole name (`event-log-checkpoint-prod`): its resources keep their names."""
    assert console("local.name", "local.base_name", name=name).values == [
        "event-log-checkpoint-prod",
        "event-log-checkpoint",
    ]
    assert console("local.name", name="event-log-checkpoint-prod", environment="dev").values == [
        "event-log-checkpoint-prod-dev"
    ], "another environment's suffix is part of the base name"
