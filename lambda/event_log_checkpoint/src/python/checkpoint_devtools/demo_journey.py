"""The demo's operator journey: files that outlive the rules (a field the model does not know,
an archived file restored later), a burst of files ingested by the event path with the
scheduled run finding nothing left, and the single checkpoint moved to another layout from the
checkpoint alone, with `compare` and a following run showing that nothing was lost."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote_plus

from checkpoint_cli import relayout_command
from checkpoint_devtools.local_s3 import upload
from checkpoint_devtools.sample_log import LogFile, SampleLog
from checkpoint_lambda.entrypoints.adapters import default_connector
from checkpoint_lambda.entrypoints.lambda_function import handle
from checkpoint_lambda.entrypoints.sqs_batch import handle_sqs_batch

#: Messages per SQS batch (the event source mapping's batch size, here a small one).
BATCH_SIZE = 100


def files_that_outlive_the_rules(client: Any, bucket: str, log: SampleLog, prefix: str) -> list[LogFile]:
    """One event file with a field the model does not know, and one already in Glacier."""
    extended, archived = log.files(prefix, 2)[:2]
    fields = json.loads(extended.body) | {"scanner_model": "Prisma", "form_version": "4.1"}
    client.put_object(Bucket=bucket, Key=extended.key, Body=json.dumps(fields).encode())
    client.put_object(Bucket=bucket, Key=archived.key, Body=archived.body, StorageClass="GLACIER")
    return [extended, archived]


def restore_the_archived(payload: dict[str, Any]) -> None:
    """A run asking S3 to restore archived files, then the run that reads the restored copy."""
    asked = handle({**payload, "restore_archived": "bulk"})
    print("\n== Restoring the archived file: a run with restore_archived=bulk asks S3 for it")
    print(f"files_archived {asked['files_archived']}, restores_started {asked['restores_started']}")
    read = handle(payload)
    print(
        f"== The next run reads the restored copy: files_fetched {read['files_fetched']}, "
        f"new events {read['new_events_processed']}, files_archived {read['files_archived']}"
    )


def event_path(store: Any, log: SampleLog, payload: dict[str, Any], prefix: str, visits: int = 300) -> None:
    """New files arrive; S3's notifications reach the function in SQS batches; the backstop finds nothing."""
    files = log.files(prefix, visits)
    upload(store, files)
    env = _env_of(payload) | {"EVENT_INGESTION": "on"}
    fetched = new = failures = 0
    for start in range(0, len(files), BATCH_SIZE):
        batch = _sqs_batch(payload["source_bucket"], files[start : start + BATCH_SIZE])
        response, outcome = handle_sqs_batch(batch, None, env=env)
        assert outcome is not None, "the demo's event batch failed"
        fetched, new = fetched + outcome.files_fetched, new + outcome.new_events
        failures += len(response["batchItemFailures"])
    batches = -(-len(files) // BATCH_SIZE)
    print(f"\n== Event path: a burst of {len(files)} new files, S3's notifications in {batches} SQS batches")
    print(f"files fetched {fetched}, new events {new}, messages sent back to the queue {failures}, log listed 0 times")
    backstop = handle({}, env=env)
    keys = ("statusCode", "files_listed", "files_fetched", "files_missed_by_events", "new_events_processed")
    print("== The scheduled run as backstop (EVENT_INGESTION=on): the events missed nothing")
    print(json.dumps({k: backstop.get(k) for k in keys}, indent=2))


def layout_move(bucket: str, checkpoint_key: str, template: str) -> None:
    """`checkpoint_cli relayout` from the single object to `template`, `compare`, then a run there."""
    print(
        f"\n== Moving the checkpoint to another layout: relayout --from-key {checkpoint_key} --to-template {template}"
    )
    moved = _relayout(["--bucket", bucket, "--from-key", checkpoint_key, "--to-template", template])
    answer = json.loads(moved)
    print(
        f"event files read {answer['event_files_read']}, rows read {answer['rows_read']}, "
        f"objects written {answer['objects_written']}, rows quarantined {answer['rows_quarantined']}"
    )
    again = json.loads(_relayout(["--bucket", bucket, "--from-key", checkpoint_key, "--to-template", template]))
    print(f"a second relayout writes {again['objects_written']} objects (safe to rerun)")
    from checkpoint_analytics.compare_checkpoints import compare_checkpoints  # noqa: PLC0415 - analytics, optional

    first, second = f"s3://{bucket}/{checkpoint_key}", f"s3://{bucket}/{template}"
    print(f"== compare {first} with {second}: {compare_checkpoints(first, second).differences} differences")
    run = handle(
        {"source_bucket": bucket, "prefix": "prod/", "checkpoint_bucket": bucket, "checkpoint_key_template": template}
    )
    print(f"== a run at the new layout fetches {run['files_fetched']} files (statusCode {run['statusCode']})")


def _relayout(options: Sequence[str]) -> str:
    parser = argparse.ArgumentParser()
    relayout_command.add_arguments(parser)
    out = io.StringIO()
    code = relayout_command.run(parser.parse_args(list(options)), out=out, connector=default_connector())
    assert code in (relayout_command.EXIT_OK, relayout_command.EXIT_QUARANTINED), f"relayout exited {code}"
    return out.getvalue()


def _sqs_batch(bucket: str, files: Sequence[LogFile]) -> dict[str, Any]:
    """The SQS event the event source mapping would deliver for S3's notifications of `files`."""
    records = []
    for number, file in enumerate(files):
        s3 = {"bucket": {"name": bucket}, "object": {"key": quote_plus(file.key), "size": len(file.body)}}
        body = json.dumps({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": s3}]})
        records.append({"messageId": f"demo-{number}", "body": body, "eventSource": "aws:sqs", "attributes": {}})
    return {"Records": records}


def _env_of(payload: dict[str, Any]) -> dict[str, str]:
    names = {
        "source_bucket": "SOURCE_BUCKET",
        "prefix": "SOURCE_PREFIX",
        "checkpoint_bucket": "CHECKPOINT_BUCKET",
        "checkpoint_key": "CHECKPOINT_KEY",
    }
    return {var: str(payload[field]) for field, var in names.items()}
