"""The three built zips run as Lambda runs them, with nothing else to lean on.

The function zip is unzipped into `task/` (Lambda's /var/task), both layers into `opt/` (so their
files land in `opt/python`, Lambda's /opt/python), and what the python3.12 runtime provides
(boto3, botocore and their needs) into `runtime/`. A bare Python 3.12 (`-S -I`: standard library
only) gets exactly those three folders on sys.path and invokes the handler against moto's S3
server. A dependency missing from the layers is an ImportError here, as it would be in AWS.

Artifacts come from `dist/` (bin/package) or, under Pants, from the sandbox root where
`runtime_package_dependencies` puts them; ARTIFACT_DIR overrides both.
"""

from __future__ import annotations

import importlib.metadata
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import polars as pl
import pytest
from moto.server import ThreadedMotoServer

REPO_ROOT = Path(__file__).resolve().parents[4]
RUNNER = Path(__file__).with_name("lambda_runner.py")
FUNCTION_ZIP = "checkpoint_lambda.zip"
LAYER_ZIPS = ("powertools_layer.zip", "data_processing_layer.zip")
HANDLER = "checkpoint_lambda.entrypoints.lambda_function.lambda_handler"
# What the Lambda python3.12 runtime ships, so the layers leave it out (see bin/package).
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six")
CHECKPOINT_KEY = "checkpoints/events/checkpoint.parquet"
PREFIX = "prod/"
EVENTS = {
    "log-submit-20240115-100000-42-ingest-form-110001-2024-01-15.json": ("submit", "110001", "2024-01-15T10:00:00Z"),
    "log-pass-qc-20240115-102000-42-ingest-form-110001-2024-01-15.json": ("pass-qc", "110001", "2024-01-15T10:20:00Z"),
    "log-submit-20240116-090000-42-ingest-form-110002-01.json": ("submit", "110002", "2024-01-16T09:00:00-05:00"),
}


@dataclass(frozen=True)
class LambdaTree:
    task: Path
    opt_python: Path
    runtime: Path

    @property
    def path(self) -> list[str]:
        """sys.path entries in Lambda's order: function, layers, then the runtime's own packages."""
        return [str(self.task), str(self.opt_python), str(self.runtime)]


@dataclass(frozen=True)
class Invocation:
    returncode: int
    stderr: str
    result: dict[str, Any]


def artifact_dir() -> Path:
    candidates = (
        [Path(os.environ["ARTIFACT_DIR"])] if "ARTIFACT_DIR" in os.environ else [REPO_ROOT / "dist", Path.cwd()]
    )
    for folder in candidates:
        if all((folder / name).is_file() for name in (FUNCTION_ZIP, *LAYER_ZIPS)):
            return folder
    pytest.fail(f"artifacts not found in {[str(c) for c in candidates]}: run bin/package first")


def copy_distribution(name: str, dest: Path) -> None:
    """Copy an installed distribution's files (as its RECORD lists them) into `dest`."""
    dist = importlib.metadata.distribution(name)
    site = Path(str(dist.locate_file(""))).resolve()
    for file in dist.files or ():
        source = Path(str(dist.locate_file(file))).resolve()
        if not source.is_relative_to(site) or source.suffix == ".pyc" or not source.is_file():
            continue  # console scripts outside site-packages, bytecode
        target = dest / source.relative_to(site)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def lambda_python() -> str:
    """A Python 3.12 interpreter: LAMBDA_PYTHON, or the real file behind this test's own."""
    python = os.environ.get("LAMBDA_PYTHON") or os.path.realpath(sys.executable)
    version = subprocess.run(
        [python, "-S", "-I", "-c", "import sys; print(sys.version_info[:2] == (3, 12))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert version == "True", f"{python} is not Python 3.12"
    return python


@pytest.fixture(scope="session")
def tree(tmp_path_factory: pytest.TempPathFactory) -> LambdaTree:
    root = tmp_path_factory.mktemp("lambda")
    source = artifact_dir()
    layout = LambdaTree(
        task=root / "var" / "task", opt_python=root / "opt" / "python", runtime=root / "var" / "runtime"
    )
    with zipfile.ZipFile(source / FUNCTION_ZIP) as function_zip:
        function_zip.extractall(layout.task)
    for layer in LAYER_ZIPS:
        with zipfile.ZipFile(source / layer) as layer_zip:
            layer_zip.extractall(root / "opt")
    for name in RUNTIME_PROVIDED:
        copy_distribution(name, layout.runtime)
    return layout


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


def invoke(
    tree: LambdaTree,
    events: Sequence[dict[str, Any]],
    s3_endpoint: str,
    work: Path,
    *,
    also_import: Sequence[str] = (),
) -> Invocation:
    """One cold start in a bare interpreter, then each event in turn (warm invocations)."""
    request = {
        "path": tree.path,
        "handler": HANDLER,
        "events": list(events),
        "also_import": list(also_import),
        "report_origins": ["checkpoint_lambda", "aws_lambda_powertools", "pydantic", "polars", "obstore", "boto3"],
        "result": str(work / "result.json"),
    }
    request_file = work / "request.json"
    request_file.write_text(json.dumps(request), encoding="utf-8")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(work),
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "LAMBDA_TASK_ROOT": str(tree.task),
        "AWS_ENDPOINT_URL": s3_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(work / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(work / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    completed = subprocess.run(
        [lambda_python(), "-B", "-S", "-I", str(RUNNER), str(request_file)],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    result_file = work / "result.json"
    result = json.loads(result_file.read_text(encoding="utf-8")) if result_file.exists() else {}
    return Invocation(completed.returncode, completed.stderr, result)


def payload(bucket: str) -> dict[str, Any]:
    return {"source_bucket": bucket, "prefix": PREFIX, "checkpoint_bucket": bucket, "checkpoint_key": CHECKPOINT_KEY}


def test_handler_runs_from_the_artifacts_alone(
    tree: LambdaTree,
    s3_endpoint: str,
    s3_client: Any,
    bucket: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Tracing is off here; in AWS, with active tracing, Powertools' Tracer loads the X-Ray SDK: import it too.
    run = invoke(tree, [payload(bucket), payload(bucket)], s3_endpoint, tmp_path, also_import=["aws_xray_sdk.core"])

    assert run.returncode == 0, run.stderr[-4000:]
    first, second = run.result["responses"]
    assert first["statusCode"] == 200, first
    assert (first["files_listed"], first["new_events_processed"], first["total_events"]) == (3, 3, 3)
    assert first["checkpoint_written"] is True
    # The warm second invocation reads the checkpoint back and finds nothing new.
    assert (second["statusCode"], second["new_events_processed"], second["total_events"]) == (200, 0, 3)

    body = s3_client.get_object(Bucket=bucket, Key=CHECKPOINT_KEY)["Body"].read()
    checkpoint = pl.read_parquet(io.BytesIO(body))
    assert sorted(checkpoint["ptid"].to_list()) == ["110001", "110001", "110002"]
    assert sorted(checkpoint["action"].to_list()) == ["pass-qc", "submit", "submit"]

    # Every third-party module came from the folder Lambda would take it from.
    origins = run.result["origins"]
    assert Path(origins["checkpoint_lambda"]).is_relative_to(tree.task)
    for layer_module in ("aws_lambda_powertools", "pydantic", "polars", "obstore"):
        assert Path(origins[layer_module]).is_relative_to(tree.opt_python), origins
    assert Path(origins["boto3"]).is_relative_to(tree.runtime), origins
    assert run.result["sys_path"][:3] == tree.path

    with capsys.disabled():
        print(f"\ncold import of {HANDLER.rpartition('.')[0]}: {run.result['import_seconds'] * 1000:.0f} ms")


def test_a_dependency_missing_from_the_layers_fails_the_invocation(
    tree: LambdaTree, s3_endpoint: str, s3_client: Any, bucket: str, tmp_path: Path
) -> None:
    """The same run with pydantic taken out of the layers: proves nothing outside the tree is used."""
    thinned = LambdaTree(task=tree.task, opt_python=tmp_path / "opt" / "python", runtime=tree.runtime)
    thinned.opt_python.mkdir(parents=True)
    for entry in tree.opt_python.iterdir():
        if not entry.name.startswith("pydantic"):
            (thinned.opt_python / entry.name).symlink_to(entry)

    run = invoke(thinned, [payload(bucket)], s3_endpoint, tmp_path)

    assert run.returncode != 0
    assert "No module named 'pydantic'" in run.stderr
    assert "Contents" not in s3_client.list_objects_v2(Bucket=bucket, Prefix="checkpoints/")


def test_layers_leave_out_what_the_runtime_provides(tree: LambdaTree) -> None:
    shipped = {path.name for path in tree.opt_python.iterdir()}
    for module in ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil"):
        assert module not in shipped
    assert any(tree.opt_python.glob("_polars_runtime_32/*.so")), "polars' runtime library is missing"


def test_function_zip_holds_only_the_package_code() -> None:
    with zipfile.ZipFile(artifact_dir() / FUNCTION_ZIP) as function_zip:
        names = function_zip.namelist()
    # Pants adds a root-level lambda_function.py re-exporting the handler; bin/package does not.
    assert {name.split("/", 1)[0] for name in names} - {"lambda_function.py"} == {"checkpoint_lambda"}
    assert "checkpoint_lambda/entrypoints/lambda_function.py" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or "/test" in n]
