"""Both checkpoint layouts, evaluated by `terraform console`: the failure record, the table's location
(one unpartitioned table in either layout), and the keys the role may write follow the rules the code
follows.

Single object: `a/events/checkpoint.parquet` -> failure record `a/events_failures/checkpoint.json`,
table location `a/events/`. Key template: the fixed prefix (text before the first `{`, cut after its
last `/`) is the table's location; the failure record is that prefix without its slash +
`_failures/` + the file name's stem + `.json`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hcl_module import Config, Console

SINGLE_KEY = {"checkpoint_key_template": None}


@pytest.mark.parametrize(
    ("checkpoint_key", "failure_record_key", "folder"),
    [
        (
            "checkpoints/visit-events/checkpoint.parquet",
            "checkpoints/visit-events_failures/checkpoint.json",
            "checkpoints/visit-events/",
        ),
        ("a/events/checkpoint", "a/events_failures/checkpoint.json", "a/events/"),
        ("a/b.c/x.tar.gz", "a/b.c_failures/x.tar.json", "a/b.c/"),
        ("x/.parquet", "x_failures/.json", "x/"),
        ("deep/er/still/ckpt.parquet", "deep/er/still_failures/ckpt.json", "deep/er/still/"),
    ],
)
def test_single_key_failure_record_and_table_location(
    console: Console, checkpoint_key: str, failure_record_key: str, folder: str
) -> None:
    result = console(
        "local.failure_record_key",
        "local.checkpoint_table_location",
        "local.checkpoint_object_keys",
        checkpoint_bucket="ckpt-bucket",
        checkpoint_key=checkpoint_key,
        **SINGLE_KEY,
    )
    record, location, writable = result.values
    assert record == failure_record_key
    assert location == f"s3://ckpt-bucket/{folder}"
    assert checkpoint_key.startswith(folder), "the checkpoint is inside the table's location"
    assert not record.startswith(folder), "the failure record is outside the table's location"
    assert writable == [checkpoint_key, failure_record_key]


@pytest.mark.parametrize(
    ("template", "fixed_prefix", "failure_record_key", "writable"),
    [
        (
            "prod/checkpoints/{study}/{datatype}/events.parquet",
            "prod/checkpoints/",
            "prod/checkpoints_failures/events.json",
            "prod/checkpoints/*/*/events.parquet",
        ),
        (
            "checkpoints/study={study}/datatype={datatype}/events.parquet",
            "checkpoints/",
            "checkpoints_failures/events.json",
            "checkpoints/study=*/datatype=*/events.parquet",
        ),
        (
            "a/b/v{datatype}/{study}/x/c.tar.gz",
            "a/b/",
            "a/b_failures/c.tar.json",
            "a/b/v*/*/x/c.tar.gz",
        ),
    ],
)
def test_template_table_location_failure_record_and_writable_keys(
    console: Console, template: str, fixed_prefix: str, failure_record_key: str, writable: str
) -> None:
    result = console(
        "local.fixed_prefix",
        "local.failure_record_key",
        "local.checkpoint_table_location",
        "local.checkpoint_object_keys",
        checkpoint_bucket="ckpt-bucket",
        checkpoint_key_template=template,
    )
    prefix, record, location, keys = result.values
    assert prefix == fixed_prefix
    assert record == failure_record_key
    assert not record.startswith(prefix), "the failure record is outside the table's location"
    assert location == f"s3://ckpt-bucket/{fixed_prefix}"
    assert keys == [writable, failure_record_key]
    assert writable.startswith(fixed_prefix), "the role writes checkpoints only inside the fixed prefix"


@pytest.mark.parametrize("layout", ["template", "single_key"])
def test_table_is_unpartitioned_with_every_column_so_new_groups_need_no_apply(console: Console, layout: str) -> None:
    """No partition keys and no projection: the study and datatype of a group written for the first
    time are read from the rows of its object, which the table's location already covers."""
    kwargs: dict[str, str | None] = (
        {"checkpoint_key": "a/events/checkpoint.parquet", "checkpoint_key_template": None}
        if layout == "single_key"
        else {}
    )
    parameters, columns = console("local.table_parameters", "local.checkpoint_columns", **kwargs).values
    assert parameters == {"EXTERNAL": "TRUE", "classification": "parquet"}
    assert not any(name.startswith("projection.") for name in parameters)
    names = [column["name"] for column in columns]
    assert {"study", "datatype"} <= set(names), "the groups' fields are data columns"
    assert len(names) == 16


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"checkpoint_key": "a/b/c.parquet"}, "Set exactly one of checkpoint_key"),
        ({"checkpoint_key_template": None}, "Set exactly one of checkpoint_key"),
        ({"checkpoint_key_template": "a/{study}/x.parquet"}, "{study} and {datatype} exactly once each"),
        ({"checkpoint_key_template": "a/{study}/{study}/{datatype}/x.parquet"}, "exactly once each"),
        ({"checkpoint_key_template": "a/{study}/{datatype}/{month}/x.parquet"}, "nothing else in braces"),
        ({"checkpoint_key_template": "a/{study}/{datatype}.parquet"}, "not in the file name"),
        ({"checkpoint_key_template": "{study}/{datatype}/x.parquet"}, "start with a fixed folder"),
        ({"checkpoint_key_template": "/a/{study}/{datatype}/x.parquet"}, "start with a fixed folder"),
        ({"checkpoint_key_template": "a//{study}/{datatype}/x.parquet"}, "doubled /"),
        ({"checkpoint_key_template": "a/{study}/{datatype}/"}, "not in the file name"),
    ],
)
def test_bad_layouts_are_refused(console: Console, variables: dict[str, str | None], message: str) -> None:
    result = console("local.failure_record_key", **variables)
    assert result.invalid_variables, result.stderr
    assert message in result.errors


@pytest.mark.parametrize("checkpoint_key", ["checkpoint.parquet", "/a/checkpoint.parquet", "a/events/", "a//b.parquet"])
def test_checkpoint_key_outside_a_folder_is_refused(console: Console, checkpoint_key: str) -> None:
    result = console("local.failure_record_key", checkpoint_key=checkpoint_key, **SINGLE_KEY)
    assert result.invalid_variables, result.stderr
    assert "checkpoint_key must name an object inside a folder" in result.errors


def test_the_single_key_tfvars_switches_any_environment_to_one_object(console: Console) -> None:
    single_key = Path(__file__).with_name("single_key.tfvars")
    per_group, checkpoint_key, record = console(
        "local.per_group", "var.checkpoint_key", "local.failure_record_key", environment="dev", var_file=single_key
    ).values
    assert per_group is False
    assert checkpoint_key == "checkpoints/visit-events/checkpoint.parquet"
    assert record == "checkpoints/visit-events_failures/checkpoint.json"


def test_no_study_list_to_keep_up_to_date(tf: Config) -> None:
    assert "studies" not in tf.variables, "a new study must not need a Terraform change"
    table = tf.resource("aws_glue_catalog_table", "visit_events")
    assert "partition_keys" not in table
    assert not any("partition_keys" in block for block in table.get("dynamic", []))
