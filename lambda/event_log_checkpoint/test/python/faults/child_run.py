"""One run in a process of its own, through the fault proxy: what the kill test kills.

python -m faults.child_run PROXY_URL PAYLOAD_JSON
"""

from __future__ import annotations

import json
import sys

from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.config import S3Settings
from checkpoint_lambda.entrypoints.adapters import s3_adapters
from checkpoint_lambda.entrypoints.lambda_function import handle


def main(argv: list[str]) -> int:
    proxy_url, payload = argv[0], json.loads(argv[1])
    settings = S3Settings(endpoint_url=proxy_url, region="us-east-1", max_retries=0, request_timeout_s=120.0)
    response = handle(payload, env={}, adapters=s3_adapters(S3Connector(settings)))
    print(json.dumps(response))
    return 0 if response["statusCode"] == 200 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
