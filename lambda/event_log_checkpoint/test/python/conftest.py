"""Shared fixtures: one real S3 API endpoint (moto's server) per session, a fresh bucket per test."""

from __future__ import annotations

import itertools
import json
import logging
import os
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from checkpoint_lambda.adapters.s3 import S3Connector, StaticCredentials
from checkpoint_lambda.config import S3Settings
from checkpoint_lambda.observability import SERVICE, logger
from profiles import register_and_load

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_DEV": "false",
    }
)
for _var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_var, None)

_bucket_numbers = itertools.count()

register_and_load()

# What a test needs beyond this process, read from what it uses, so that `bin/test-quick`
# (`-m "not s3_server and not browser"`) selects new tests without anyone marking them:
# a test that uses moto's server (the fixture every S3 fixture rests on) is `s3_server`; a test
# module holding the browser helpers (analytics/browser.py) or Selenium is `browser`.
SERVER_FIXTURE = "s3_endpoint"
BROWSER_MODULES = ("analytics.browser", "selenium")


def _drives_a_browser(module: object) -> bool:
    names = (getattr(value, "__module__", None) or getattr(value, "__name__", "") for value in vars(module).values())
    return any(isinstance(name, str) and name.startswith(BROWSER_MODULES) for name in names)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURE in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.s3_server)
        module = getattr(item, "module", None)
        if module is not None and _drives_a_browser(module):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest) -> None:
    """A test that reaches moto's server without the `s3_server` mark (through a fixture asked for by
    name at run time, which collection cannot see) fails, instead of slowing the quick loop unnoticed.

    Checked on the per-test fixtures built on the server (pytest runs a conftest's hooks for the
    fixtures of tests under it, not for session fixtures)."""
    test = request.node
    unmarked = isinstance(test, pytest.Item) and test.get_closest_marker("s3_server") is None
    if unmarked and SERVER_FIXTURE in fixturedef.argnames:
        pytest.fail(f"{test.nodeid} uses moto's server: mark it (or its parameter) s3_server")


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's server on 127.0.0.1, a random free port."""
    from moto.server import ThreadedMotoServer  # noqa: PLC0415 - the quick loop never starts it

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_settings(s3_endpoint: str) -> S3Settings:
    return S3Settings(endpoint_url=s3_endpoint, region="us-east-1", fetch_concurrency=16, max_retries=1)


@pytest.fixture
def connector(s3_settings: S3Settings) -> S3Connector:
    return S3Connector(s3_settings)


@pytest.fixture
def s3_client(s3_endpoint: str):  # type: ignore[no-untyped-def]
    """A plain boto3 client for arranging and inspecting test state (not the code under test)."""
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")


@pytest.fixture
def bucket(s3_client) -> str:  # type: ignore[no-untyped-def]
    """A new, empty bucket for each test."""
    name = f"test-bucket-{os.getpid()}-{next(_bucket_numbers)}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def endpoint_env(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Points code that reads the environment (handler, CLI) at the test endpoint."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    return s3_endpoint


@pytest.fixture
def json_logs(caplog: pytest.LogCaptureFixture) -> Callable[[], list[dict[str, Any]]]:
    """The Powertools log lines of the test so far, as the JSON objects Lambda would record."""
    caplog.set_level(logging.DEBUG, logger=SERVICE)

    def read() -> list[dict[str, Any]]:
        formatter = logger.registered_formatter
        return [json.loads(formatter.format(r)) for r in caplog.records if r.name == SERVICE]

    return read


class RestrictedCredentials:
    """Switches moto's IAM checks on and makes credentials denied the given S3 actions.

    Arrange buckets and objects before `deny`: from then on, until `allow_all` or the
    end of the test, only signed requests by IAM users are allowed.
    """

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")

    def allow_all(self) -> None:
        _set_moto_auth(self.endpoint, "inf")

    def deny(self, denied_actions: list[str], resources: tuple[str, ...] = ("*",)) -> StaticCredentials:
        iam = self.iam
        user = f"restricted-{next(_bucket_numbers)}"
        iam.create_user(UserName=user)
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Deny", "Action": denied_actions, "Resource": list(resources)},
            ],
        }
        iam.put_user_policy(UserName=user, PolicyName="restricted", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName=user)["AccessKey"]
        _set_moto_auth(self.endpoint, "0")
        return StaticCredentials(key["AccessKeyId"], key["SecretAccessKey"])


@pytest.fixture
def restricted_credentials(s3_endpoint: str) -> Iterator[RestrictedCredentials]:
    restricted = RestrictedCredentials(s3_endpoint)
    yield restricted
    restricted.allow_all()


def _set_moto_auth(endpoint: str, initial_no_auth_count: str) -> None:
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=initial_no_auth_count.encode(),
        headers={"Content-Type": "text/plain"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
