"""Both checkpoint layouts, evaluated by `terraform console`: the failure record, the table's location
and partition projection, and the keys the role may write follow the rules the code follows.

Single object: `a/events/checkpoint.parquet` -> failure record `a/events_failures/checkpoint.json`,
table location `a/events/`. Key template: the fixed prefix (text before the first `{`, cut after its
last `/`) is the table's location; the failure record is that prefix without its slash +
`_failures/` + the file name's stem + `.json`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hcl_module import Console, enum_values, package_module_defining

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
        "local.table_parameters",
        "local.partition_columns",
        checkpoint_bucket="ckpt-bucket",
        checkpoint_key=checkpoint_key,
        **SINGLE_KEY,
    )
    record, location, writable, parameters, partitions = result.values
    assert record == failure_record_key
    assert location == f"s3://ckpt-bucket/{folder}"
    assert checkpoint_key.startswith(folder), "the checkpoint is inside the table's location"
    assert not record.startswith(folder), "the failure record is outside the table's location"
    assert writable == [checkpoint_key, failure_record_key]
    assert parameters == {"EXTERNAL": "TRUE", "classification": "parquet"}, "no projection: one object"
    assert partitions == []


@pytest.mark.parametrize(
    ("template", "fixed_prefix", "failure_record_key", "location_template", "writable"),
    [
        (
            "prod/checkpoints/{study}/{datatype}/events.parquet",
            "prod/checkpoints/",
            "prod/checkpoints_failures/events.json",
            "s3://ckpt-bucket/prod/checkpoints/${study}/${datatype}/",
            "prod/checkpoints/*/*/events.parquet",
        ),
        (
            "checkpoints/study={study}/datatype={datatype}/events.parquet",
            "checkpoints/",
            "checkpoints_failures/events.json",
            "s3://ckpt-bucket/checkpoints/study=${study}/datatype=${datatype}/",
            "checkpoints/study=*/datatype=*/events.parquet",
        ),
        (
            "a/b/v{datatype}/{study}/x/c.tar.gz",
            "a/b/",
            "a/b_failures/c.tar.json",
            "s3://ckpt-bucket/a/b/v${datatype}/${study}/x/",
            "a/b/v*/*/x/c.tar.gz",
        ),
    ],
)
def test_template_table_location_projection_failure_record_and_writable_keys(
    console: Console, template: str, fixed_prefix: str, failure_record_key: str, location_template: str, writable: str
) -> None:
    result = console(
        "local.fixed_prefix",
        "local.failure_record_key",
        "local.checkpoint_table_location",
        "local.table_parameters",
        "local.checkpoint_object_keys",
        "[for column in local.partition_columns : column.name]",
        "[for column in local.table_data_columns : column.name]",
        checkpoint_bucket="ckpt-bucket",
        checkpoint_key_template=template,
    )
    prefix, record, location, parameters, keys, partitions, data_columns = result.values
    assert prefix == fixed_prefix
    assert record == failure_record_key
    assert not record.startswith(prefix), "the failure record is outside the table's location"
    assert location == f"s3://ckpt-bucket/{fixed_prefix}"
    assert parameters["projection.enabled"] == "true"
    assert parameters["storage.location.template"] == location_template
    assert location_template.startswith(location), "every partition is inside the table's location"
    assert parameters["projection.study.type"] == parameters["projection.datatype.type"] == "enum"
    assert keys == [writable, failure_record_key]
    assert writable.startswith(fixed_prefix), "the role writes checkpoints only inside the fixed prefix"
    assert partitions == ["study", "datatype"]
    assert "study" not in data_columns, "Athena refuses a partition column that is also a data column"
    assert "datatype" not in data_columns
    assert len(data_columns) == 14


def test_projection_knows_every_datatype_and_the_studies(console: Console) -> None:
    datatypes = enum_values(package_module_defining("Datatype"), "Datatype")
    assert len(datatypes) == 9
    (parameters,) = console("local.table_parameters").values
    assert parameters["projection.datatype.values"].split(",") == datatypes
    assert parameters["projection.study.values"] == "adrc,dvcid,leads"
    (more,) = console("local.table_parameters", studies='["adrc","dvcid","leads","ftld"]').values
    assert more["projection.study.values"] == "adrc,dvcid,leads,ftld"


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
        ({"studies": '["ADRC"]'}, "lower-case study names"),
        ({"studies": '["a,b"]'}, "lower-case study names"),
        ({"studies": "[]"}, "non-empty list"),
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
