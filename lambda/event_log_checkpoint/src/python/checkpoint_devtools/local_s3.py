"""A local S3 endpoint for the demo: moto's server in this process, on 127.0.0.1, a free port."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import boto3
import obstore
from obstore.store import S3Store

from checkpoint_devtools.sample_log import LogFile

FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo", "AWS_REGION": "us-east-1"}


@contextmanager
def moto_endpoint() -> Iterator[str]:
    """Start moto's server and point this process's AWS settings at it."""
    from moto.server import ThreadedMotoServer  # noqa: PLC0415 - only here: modules that upload need no server

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    saved = {k: os.environ.get(k) for k in (*FAKE_CREDENTIALS, "AWS_ENDPOINT_URL")}
    os.environ.update({**FAKE_CREDENTIALS, "AWS_ENDPOINT_URL": endpoint})
    try:
        yield endpoint
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def create_bucket(endpoint: str, bucket: str) -> None:
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)


def upload(store: S3Store, files: Sequence[LogFile], concurrency: int = 32) -> None:
    """Write `files` concurrently (a later file with the same key overwrites the earlier)."""

    async def put_all() -> None:
        gate = asyncio.Semaphore(concurrency)

        async def put(file: LogFile) -> None:
            async with gate:
                await obstore.put_async(store, file.key, file.body)

        await asyncio.gather(*(put(f) for f in files))

    asyncio.run(put_all())
