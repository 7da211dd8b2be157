"""The three built zips run under the real Lambda runtime client, with nothing else to lean on.

The zips are laid out as Lambda lays them out (sandbox.py): function at a read-only task root,
layers at a read-only /opt, the runtime's own boto3 and awslambdaric in a separate runtime
folder; a bare Python 3.12 (`-S -I`: standard library only, nothing of .venv) runs awslambdaric,
which fetches invocations from a Runtime API of this test's own (runtime_api.py) and invokes the
handler against moto's S3 server. A dependency missing from the layers fails init, as in AWS.

Artifacts come from `dist/` (bin/package) or, under Pants, from the sandbox root where
`runtime_package_dependencies` puts them; ARTIFACT_DIR overrides both.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import boto3
import polars as pl
import pytest
from moto.server import ThreadedMotoServer
from runtime_api import FUNCTION_ARN, RuntimeApi
from sandbox import (
    FUNCTION_ZIP,
    LAYER_ZIPS,
    LambdaTree,
    build_tree,
    lambda_python,
    launch,
    private_mounts_available,
)

REPO_ROOT = Path(__file__).resolve().parents[4]
HANDLER = "checkpoint_lambda.entrypoints.lambda_function.lambda_handler"
FUNCTION_NAME = "event-log-checkpoint-test"
SERVICE = "event-log-checkpoint-test"
MEMORY_MB = "3008"
PREFIX = "prod/"
SCHEDULED_KEY = "checkpoints/scheduled/checkpoint.parquet"
PAYLOAD_KEY = "checkpoints/payload/checkpoint.parquet"
COLD_STARTS = 5
# The phases a run times (`PhaseDuration`, dimension `phase`).
PHASES = ("list", "read", "fetch", "merge", "write")
EVENTS = {
    "log-submit-20240115-100000-42-ingest-form-110001-2024-01-15.json": ("submit", "110001", "2024-01-15T10:00:00Z"),
    "log-pass-qc-20240115-102000-42-ingest-form-110001-2024-01-15.json": ("pass-qc", "110001", "2024-01-15T10:20:00Z"),
    "log-submit-20240116-090000-42-ingest-form-110002-01.json": ("submit", "110002", "2024-01-16T09:00:00-05:00"),
}
SCHEDULED_EVENT = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-01-02T10:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/event-log-checkpoint-test"],
    "detail": {},
}


@dataclass
class RunningFunction:
    """One runtime process: its Runtime API, when it was spawned, and its output lines so far."""

    api: RuntimeApi
    process: subprocess.Popen[str]
    spawned: float
    report_path: Path
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    def report(self) -> dict[str, Any]:
        return dict(json.loads(self.report_path.read_text(encoding="utf-8")))

    def json_lines(self, stream: list[str]) -> list[dict[str, Any]]:
        parsed = []
        for line in stream:
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                parsed.append(value)
        return parsed


def artifact_dir() -> Path:
    candidates = (
        [Path(os.environ["ARTIFACT_DIR"])] if "ARTIFACT_DIR" in os.environ else [REPO_ROOT / "dist", Path.cwd()]
    )
    for folder in candidates:
        if all((folder / name).is_file() for name in (FUNCTION_ZIP, *LAYER_ZIPS)):
            return folder
    pytest.fail(f"artifacts not found in {[str(c) for c in candidates]}: run bin/package first")


@pytest.fixture(scope="session")
def tree(tmp_path_factory: pytest.TempPathFactory) -> LambdaTree:
    return build_tree(tmp_path_factory.mktemp("lambda"), artifact_dir())


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_client(s3_endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def bucket(s3_client: Any, request: pytest.FixtureRequest) -> str:
    name = f"artifact-{request.node.name.replace('_', '-')[:40]}"
    s3_client.create_bucket(Bucket=name)
    for key, (action, ptid, timestamp) in EVENTS.items():
        body = {
            "action": action,
            "study": "adrc",
            "pipeline_adcid": 42,
            "project_label": "ingest-form",
            "center_label": "alpha",
            "gear_name": "form-scheduler",
            "ptid": ptid,
            "visit_date": "2024-01-15" if ptid == "110001" else "2024-01-16",
            "visit_number": "01",
            "datatype": "form",
            "module": "UDS",
            "packet": "I",
            "timestamp": timestamp,
        }
        s3_client.put_object(Bucket=name, Key=PREFIX + key, Body=json.dumps(body).encode())
    s3_client.put_object(Bucket=name, Key=PREFIX + "notes.txt", Body=b"not an event")
    return name


def lambda_environment(api: RuntimeApi, tree: LambdaTree, s3_endpoint: str, bucket: str, work: Path) -> dict[str, str]:
    """What Lambda sets for a python3.12 function, plus the function's own configuration."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(work),
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "_HANDLER": HANDLER,
        "LAMBDA_TASK_ROOT": str(tree.task),
        "LAMBDA_RUNTIME_DIR": str(tree.runtime),
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": MEMORY_MB,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{FUNCTION_NAME}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/02/[$LATEST]artifacttest",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": s3_endpoint,
        "AWS_CONFIG_FILE": str(work / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(work / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": SERVICE,
        "SOURCE_BUCKET": bucket,
        "SOURCE_PREFIX": PREFIX,
        "CHECKPOINT_BUCKET": bucket,
        "CHECKPOINT_KEY": SCHEDULED_KEY,
    }


def _collect(stream: IO[str], into: list[str]) -> None:
    for line in stream:
        into.append(line.rstrip("\n"))


def start_function(tree: LambdaTree, env: dict[str, str], work: Path, api: RuntimeApi) -> RunningFunction:
    report = work / f"report-{time.monotonic_ns()}.json"
    command = launch(tree, lambda_python(), report)
    spawned = time.time()
    process = subprocess.Popen(
        command.argv, env=env, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    running = RunningFunction(api, process, spawned, report)
    assert process.stdout is not None
    assert process.stderr is not None
    for stream, lines in ((process.stdout, running.stdout), (process.stderr, running.stderr)):
        threading.Thread(target=_collect, args=(stream, lines), daemon=True).start()
    return running


def stop_function(running: RunningFunction) -> None:
    running.process.kill()
    running.process.wait(timeout=30)
    time.sleep(0.05)  # let the reader threads drain the pipes


@pytest.fixture
def function(tree: LambdaTree, s3_endpoint: str, bucket: str, tmp_path: Path) -> Iterator[RunningFunction]:
    with RuntimeApi() as api:
        running = start_function(tree, lambda_environment(api, tree, s3_endpoint, bucket, tmp_path), tmp_path, api)
        try:
            api.wait_for_first_next()
            yield running
        finally:
            stop_function(running)


def payload(bucket: str) -> dict[str, Any]:
    return {"source_bucket": bucket, "prefix": PREFIX, "checkpoint_bucket": bucket, "checkpoint_key": PAYLOAD_KEY}


def emf_blobs(running: RunningFunction) -> list[dict[str, Any]]:
    return [line for line in running.json_lines(running.stdout) if "_aws" in line]


def metric_value(blob: dict[str, Any], name: str) -> float | None:
    """A metric's value in an EMF blob (Powertools writes each as a one-element list)."""
    value = blob.get(name)
    return float(value[0] if isinstance(value, list) else value) if value is not None else None


def metric_names(blob: dict[str, Any]) -> set[str]:
    return {m["Name"] for directive in blob["_aws"]["CloudWatchMetrics"] for m in directive["Metrics"]}


def test_one_warm_process_serves_a_schedule_a_payload_a_bad_payload_and_a_rerun(
    function: RunningFunction, s3_client: Any, bucket: str
) -> None:
    outcomes = [
        function.api.invoke(event)
        for event in (SCHEDULED_EVENT, payload(bucket), {"source_bucket": bucket, "bogus": 1}, payload(bucket))
    ]
    stop_function(function)

    assert [o.kind for o in outcomes] == ["response"] * 4, [o.body for o in outcomes]
    scheduled, first, bad, rerun = (o.body for o in outcomes)
    assert (scheduled["statusCode"], scheduled["new_events_processed"]) == (200, 3), scheduled
    assert scheduled["checkpoint_path"] == f"s3://{bucket}/{SCHEDULED_KEY}"
    assert (first["statusCode"], first["new_events_processed"], first["total_events"]) == (200, 3, 3), first
    assert first["checkpoint_path"] == f"s3://{bucket}/{PAYLOAD_KEY}"
    assert (bad["statusCode"], bad["error"]) == (400, "InvalidConfiguration"), bad
    assert (rerun["statusCode"], rerun["new_events_processed"], rerun["checkpoint_written"]) == (200, 0, False)

    body = s3_client.get_object(Bucket=bucket, Key=PAYLOAD_KEY)["Body"].read()
    checkpoint = pl.read_parquet(io.BytesIO(body))
    assert sorted(checkpoint["ptid"].to_list()) == ["110001", "110001", "110002"]

    assert_metrics(emf_blobs(function))
    assert_log_context(function, [o.request_id for o in outcomes])


def assert_metrics(blobs: list[dict[str, Any]]) -> None:
    """One cold-start blob within the first invocation, one blob per phase a run went through,
    and one run-level metrics blob per invocation."""
    cold = [b for b in blobs if "ColdStart" in metric_names(b)]
    phases = [b for b in blobs if "PhaseDuration" in metric_names(b)]
    runs = [b for b in blobs if not metric_names(b) & {"ColdStart", "PhaseDuration"}]
    assert len(cold) == 1, [sorted(metric_names(b)) for b in blobs]
    assert len(runs) == 4, [sorted(metric_names(b)) for b in blobs]
    assert blobs.index(cold[0]) < blobs.index(runs[1])
    assert metric_value(cold[0], "ColdStart") == 1.0
    assert cold[0]["function_name"] == FUNCTION_NAME
    for blob in blobs:
        (directive,) = blob["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "EventLogCheckpoint"
        assert blob["service"] == SERVICE
    assert [b["_aws"]["CloudWatchMetrics"][0]["Dimensions"] for b in cold] == [[["function_name", "service"]]]
    for blob in runs:
        assert blob["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]
    for blob in phases:
        assert blob["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service", "phase"]]
        assert blob["phase"] in PHASES
        duration = metric_value(blob, "PhaseDuration")
        assert duration is not None
        assert duration >= 0
    assert {"list", "fetch", "write"} <= {b["phase"] for b in phases}, [b["phase"] for b in phases]
    assert [metric_value(b, "RunFailed") for b in runs] == [0.0, 0.0, 1.0, 0.0]
    assert [metric_value(b, "NewEventsProcessed") for b in runs] == [3.0, 3.0, None, 0.0]


def assert_log_context(function: RunningFunction, request_ids: list[str]) -> None:
    """Every invocation's JSON log lines carry its Lambda context, cold_start only on the first."""
    lines = [line for line in function.json_lines(function.stderr) if "function_request_id" in line]
    for index, request_id in enumerate(request_ids):
        own = [line for line in lines if line["function_request_id"] == request_id]
        assert own, f"no log line of invocation {index}"
        for line in own:
            assert line["function_name"] == FUNCTION_NAME
            assert line["function_arn"] == FUNCTION_ARN
            assert str(line["function_memory_size"]) == MEMORY_MB
            assert line["cold_start"] is (index == 0)
            assert line["service"] == SERVICE
    assert {line["function_request_id"] for line in lines} == set(request_ids)


def test_the_process_sees_only_lambdas_folders_and_imports_from_the_right_one(tree: LambdaTree, tmp_path: Path) -> None:
    report_path = tmp_path / "probe.json"
    command = launch(tree, lambda_python(), report_path, probe=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "_HANDLER": HANDLER, "POWERTOOLS_SERVICE_NAME": SERVICE}
    subprocess.run(command.argv, env=env, cwd=tmp_path, check=True, capture_output=True, timeout=120)
    report = json.loads(report_path.read_text(encoding="utf-8"))

    task, opt = str(tree.task), command.opt
    stdlib = (sys.base_prefix, os.path.realpath(sys.base_prefix))
    lambda_entries = [task, f"{opt}/python/lib/python3.12/site-packages", f"{opt}/python", str(tree.runtime)]
    assert report["sys_path"][:4] == lambda_entries
    assert all(entry.startswith(stdlib) for entry in report["sys_path"][4:]), report["sys_path"]
    assert not [entry for entry in report["sys_path"] if "site-packages" in entry and not entry.startswith(opt)]
    # The handler's init loads Powertools only; each path imports polars, obstore and boto3 when it runs.
    assert {"checkpoint_lambda", "aws_lambda_powertools"} <= set(report["loaded_at_init"])
    assert not {"polars", "obstore", "boto3"} & set(report["loaded_at_init"]), report["loaded_at_init"]
    origins = report["origins"]
    assert origins["checkpoint_lambda"].startswith(task + "/")
    for layer_package in ("aws_lambda_powertools", "pydantic", "polars", "obstore"):
        assert origins[layer_package].startswith(f"{opt}/python/"), origins
    for runtime_package in ("boto3", "awslambdaric"):
        assert origins[runtime_package].startswith(str(tree.runtime) + "/"), origins
    assert report["read_only"] == dict.fromkeys(("task", "opt", "runtime"), command.read_only)
    assert command.read_only is private_mounts_available()


def test_a_dependency_missing_from_the_layers_fails_init(
    tree: LambdaTree, s3_endpoint: str, bucket: str, tmp_path: Path
) -> None:
    """The same start with pydantic taken out of the layers: proves nothing outside the tree is used."""
    thinned = LambdaTree(task=tree.task, opt=tmp_path / "opt", runtime=tree.runtime)
    (thinned.opt / "python").mkdir(parents=True)
    for entry in (tree.opt / "python").iterdir():
        if not entry.name.startswith("pydantic"):
            (thinned.opt / "python" / entry.name).symlink_to(entry)

    with RuntimeApi() as api:
        env = lambda_environment(api, thinned, s3_endpoint, bucket, tmp_path)
        running = start_function(thinned, env, tmp_path, api)
        try:
            assert api.state.init_failed.wait(timeout=120), "init did not fail"
        finally:
            stop_function(running)
    (error,) = api.state.init_errors
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert "No module named 'pydantic'" in error["errorMessage"]
    assert api.state.next_requests == []


def test_layers_leave_out_what_the_runtime_provides_and_share_no_path() -> None:
    listings = {}
    for layer in LAYER_ZIPS:
        with zipfile.ZipFile(artifact_dir() / layer) as layer_zip:
            listings[layer] = set(layer_zip.namelist())
    tops = {name.split("/")[1] for names in listings.values() for name in names if name.count("/") >= 1}
    for module in ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "six.py"):
        assert module not in tops
    assert not listings[LAYER_ZIPS[0]] & listings[LAYER_ZIPS[1]]
    assert any(n.startswith("python/_polars_runtime_32/") and n.endswith(".so") for n in listings[LAYER_ZIPS[1]])


def test_function_zip_holds_only_the_package_code() -> None:
    with zipfile.ZipFile(artifact_dir() / FUNCTION_ZIP) as function_zip:
        names = function_zip.namelist()
    # Pants adds a root-level lambda_function.py re-exporting the handler; bin/package does not.
    assert {name.split("/", 1)[0] for name in names} - {"lambda_function.py"} == {"checkpoint_lambda"}
    assert f"{HANDLER.rpartition('.')[0].replace('.', '/')}.py" in names
    assert not [n for n in names if "/test" in n or n.endswith((".pyi", "BUILD"))]


def test_init_time_under_the_runtime_client(
    tree: LambdaTree, s3_endpoint: str, bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Cold starts until the first `next`: measured and printed (speed is reported, not asserted)."""
    stages: list[tuple[float, float, float]] = []
    cpu: list[float] = []
    for attempt in range(COLD_STARTS):
        work = tmp_path / f"start-{attempt}"
        work.mkdir()
        with RuntimeApi() as api:
            running = start_function(tree, lambda_environment(api, tree, s3_endpoint, bucket, work), work, api)
            try:
                ready = api.wait_for_first_next()
                cpu.append(cpu_seconds(running.process.pid))
            finally:
                stop_function(running)
        report = running.report()
        assert report["started"] > running.spawned
        assert ready > report["runtime_client_imported"]
        interpreter = report["started"] - running.spawned
        client = report["runtime_client_imported"] - report["started"]
        stages.append((interpreter, client, ready - report["runtime_client_imported"]))

    totals = sorted(sum(stage) for stage in stages)
    median = statistics.median(totals)
    parts = [statistics.median(stage[i] for stage in stages) for i in range(3)]
    packages = import_breakdown(tree, tmp_path)
    with capsys.disabled():
        where = "read-only /opt" if private_mounts_available() else "plain folders"
        print(f"\ninit under awslambdaric ({where}), median of {COLD_STARTS}: {median:.3f} s")
        print(
            f"  runs: {', '.join(f'{t:.3f}' for t in totals)} s;"
            f" CPU time of init, median {statistics.median(cpu):.3f} s"
        )
        print(
            f"  interpreter start {parts[0]:.3f} s, runtime client import {parts[1]:.3f} s,"
            f" handler import {parts[2]:.3f} s"
        )
        print("  import time by package (-X importtime, self): " + ", ".join(f"{n} {s:.3f} s" for n, s in packages))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a running process has used (Linux /proc), which load does not inflate."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def import_breakdown(tree: LambdaTree, work: Path) -> list[tuple[str, float]]:
    """Import time (`-X importtime` self times) of the handler's import, summed per top-level package."""
    command = launch(tree, lambda_python(), work / "importtime.json", probe=True, importtime=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "_HANDLER": HANDLER, "POWERTOOLS_SERVICE_NAME": SERVICE}
    stderr = subprocess.run(command.argv, env=env, cwd=work, check=True, capture_output=True, text=True).stderr
    seconds: dict[str, float] = {}
    for line in stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) == 3 and fields[0].strip().isdigit():
            top = fields[2].strip().split(".")[0]
            package = top if top not in sys.stdlib_module_names and not top.startswith("_") else "(standard library)"
            seconds[package] = seconds.get(package, 0) + int(fields[0]) / 1e6
    return sorted(((n, s) for n, s in seconds.items() if s >= 0.005), key=lambda item: -item[1])
