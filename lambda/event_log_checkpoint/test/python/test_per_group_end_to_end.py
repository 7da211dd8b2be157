"""The per-group layout end to end on moto's server: one checkpoint object per (study, datatype)."""

from __future__ import annotations

import io
import json
import threading
from typing import Any

import polars as pl
import pytest

from builders import event_fields
from checkpoint_devtools.local_s3 import upload
from checkpoint_devtools.sample_log import LogFile
from checkpoint_lambda.adapters.event_retriever import Progress
from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.config import RunConfig
from checkpoint_lambda.domain.key_template import KeyTemplate
from checkpoint_lambda.domain.layout import PerGroup
from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA
from checkpoint_lambda.entrypoints.adapters import build_adapters
from checkpoint_lambda.entrypoints.lambda_function import handle
from checkpoint_lambda.service import run_checkpoint
from checkpoint_lambda.summary import RunSummary
from conftest import RestrictedCredentials

TEMPLATE = "prod/checkpoints/{study}/{datatype}/events.parquet"
HIVE = "tables/study={study}/datatype={datatype}/events.parquet"
STUDIES = ("adrc", "dvcid", "leads")
DATATYPES = ("apoe", "form", "gwas")


def group_file(study: str, datatype: str, ptid: str, **changes: Any) -> LogFile:
    fields = event_fields(study=study, datatype=datatype, ptid=ptid, module="UDS" if datatype == "form" else None)
    fields.update(changes)
    key = f"prod/log-submit-20240115-100000-42-ingest-{datatype}-{ptid}-2024-01-15.json"
    return LogFile(key, json.dumps(fields).encode())


def nine_groups(per_group: int = 2, tag: str = "") -> list[LogFile]:
    return [
        group_file(study, datatype, f"{study[0]}{datatype[0]}{tag}{n}")
        for study in STUDIES
        for datatype in DATATYPES
        for n in range(per_group)
    ]


def run(bucket: str, connector: S3Connector, template: str = TEMPLATE, progress: Progress | None = None) -> RunSummary:
    config = RunConfig(bucket, "prod/", bucket, PerGroup(KeyTemplate.parse(template)))
    return run_checkpoint(config, build_adapters(config, connector, progress))


def etags(s3_client, bucket: str, prefix: str = "prod/checkpoints/") -> dict[str, str]:  # type: ignore[no-untyped-def]
    listed = s3_client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {item["Key"]: item["ETag"] for item in listed}


def rows(s3_client, bucket: str, key: str) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    return pl.read_parquet(io.BytesIO(s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()))


def test_three_studies_by_three_datatypes_are_nine_objects_of_the_full_schema(
    connector: S3Connector, bucket: str, s3_client: Any
) -> None:
    upload(connector.store(bucket), [*nine_groups(), group_file("DVCID", "form", "UPPER")])
    summary = run(bucket, connector)
    objects = etags(s3_client, bucket)
    assert len(objects) == 9
    assert sorted((g.study, g.datatype) for g in summary.groups) == [(s, d) for s in STUDIES for d in DATATYPES]
    dvcid_form = rows(s3_client, bucket, "prod/checkpoints/dvcid/form/events.parquet")
    assert dvcid_form.schema == CHECKPOINT_SCHEMA
    assert (dvcid_form.height, set(dvcid_form.get_column("study"))) == (3, {"dvcid"})
    assert f"s3://{bucket}/prod/checkpoints_failures/events.json" == summary.failure_record_path


def test_a_late_file_and_a_rewritten_key_change_only_their_group_and_a_rerun_writes_nothing(
    connector: S3Connector, bucket: str, s3_client: Any
) -> None:
    files = nine_groups()
    upload(connector.store(bucket), files)
    run(bucket, connector)
    before = etags(s3_client, bucket)
    late = group_file("adrc", "form", "LATE", timestamp="2019-01-01T00:00:00Z")
    rewritten = LogFile(files[2].key, json.dumps(json.loads(files[2].body) | {"packet": "F"}).encode())
    upload(connector.store(bucket), [late, rewritten])
    summary = run(bucket, connector)
    after = etags(s3_client, bucket)
    assert sorted(k for k in after if after[k] != before[k]) == ["prod/checkpoints/adrc/form/events.parquet"]
    assert (summary.files_fetched, summary.new_events_processed) == (2, 2)
    quiet = run(bucket, connector)
    assert (quiet.files_fetched, quiet.checkpoint_written) == (0, False)
    assert etags(s3_client, bucket) == after


@pytest.mark.parametrize("same_group", [True, False])
def test_two_concurrent_runs_over_disjoint_files_lose_nothing(
    connector: S3Connector, bucket: str, s3_client: Any, same_group: bool
) -> None:
    upload(connector.store(bucket), nine_groups(1))
    run(bucket, connector)
    other = ("adrc", "form") if same_group else ("leads", "gwas")
    ours_files = [group_file("adrc", "form", f"A{n}") for n in range(3)]
    theirs_files = [group_file(*other, f"B{n}") for n in range(3)]
    both_fetching = threading.Barrier(2, timeout=30)

    def wait_for_the_other(done: int, total: int) -> None:
        if done == 1:
            both_fetching.wait()

    # Each run sees the other's new files too, unless it lists before they land: list both sets first.
    upload(connector.store(bucket), ours_files + theirs_files)
    outcomes: list[RunSummary] = []
    threads = [
        threading.Thread(target=lambda: outcomes.append(run(bucket, connector, progress=wait_for_the_other)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(outcomes) == 2
    ptids = set()
    for key in etags(s3_client, bucket):
        ptids |= set(rows(s3_client, bucket, key).get_column("ptid"))
    assert {f"A{n}" for n in range(3)} | {f"B{n}" for n in range(3)} <= ptids
    total = sum(rows(s3_client, bucket, key).height for key in etags(s3_client, bucket))
    assert total == 9 + 6  # each version once, whoever wrote it


def test_one_groups_denied_write_is_207_the_others_are_written_and_the_next_run_completes(
    connector: S3Connector, bucket: str, s3_client: Any, restricted_credentials: RestrictedCredentials
) -> None:
    upload(connector.store(bucket), nine_groups())
    denied_key = f"arn:aws:s3:::{bucket}/prod/checkpoints/leads/gwas/*"
    keys = restricted_credentials.deny(["s3:PutObject"], resources=(denied_key,))
    partial = run(bucket, S3Connector(connector.settings, keys))
    response = partial.to_response()
    assert response["statusCode"] == 207
    failed = [g for g in response["groups"] if g["error"]]
    assert [(g["study"], g["datatype"], g["written"]) for g in failed] == [("leads", "gwas", False)]
    assert "CheckpointAccessDenied" in failed[0]["error"]
    assert sum(g["written"] for g in response["groups"]) == 8
    restricted_credentials.allow_all()
    healed = run(bucket, connector)
    assert (healed.to_response()["statusCode"], healed.files_fetched, healed.new_events_processed) == (200, 2, 2)
    assert healed.total_events == 18


def test_a_hive_style_template_names_its_folders(connector: S3Connector, bucket: str, s3_client) -> None:  # type: ignore[no-untyped-def]
    upload(connector.store(bucket), nine_groups(1))
    summary = run(bucket, connector, HIVE)
    assert "tables/study=leads/datatype=gwas/events.parquet" in etags(s3_client, bucket, "tables/")
    assert summary.checkpoint_path == f"s3://{bucket}/{HIVE}"
    assert summary.failure_record_path == f"s3://{bucket}/tables_failures/events.json"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("prod/checkpoints/{study}/events.parquet", "{datatype}"),
        ("prod/{study}/{datatype}/{month}/e.parquet", "unknown placeholder"),
        ("{study}/{datatype}/events.parquet", "fixed folder"),
    ],
)
def test_template_errors_are_400_before_any_s3_call(template: str, message: str) -> None:
    payload = {"source_bucket": "b", "checkpoint_bucket": "b", "checkpoint_key_template": template}
    response = handle(payload, env={})
    assert (response["statusCode"], response["error"]) == (400, "InvalidConfiguration")
    assert message in response["message"]


def test_key_and_template_together_are_400() -> None:
    payload = {
        "source_bucket": "b",
        "checkpoint_bucket": "b",
        "checkpoint_key": "k/x",
        "checkpoint_key_template": TEMPLATE,
    }
    assert handle(payload, env={})["statusCode"] == 400
