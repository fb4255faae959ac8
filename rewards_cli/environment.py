"""The process environment the functions expect, for running them outside Lambda.

Set before anything reads ``shared.settings`` (which caches), so call ``configure`` first.
"""

from __future__ import annotations

import os

from rewards_cli.template import load, resolve_environment

DEFAULT_LOCAL_TABLE = "rewards-local"


def configure(table_name: str, endpoint_url: str | None) -> None:
    for function in load().functions.values():
        for name, value in resolve_environment(function, table_name).items():
            os.environ[name] = value
    os.environ["TABLE_NAME"] = table_name
    if endpoint_url:
        os.environ["DYNAMODB_ENDPOINT_URL"] = endpoint_url
        # The bus, the queues, the exports bucket and the table's stream live in the same embedded store.
        for service in ("SQS", "EVENTBRIDGE", "DYNAMODB_STREAMS", "S3"):
            os.environ[f"AWS_ENDPOINT_URL_{service}"] = endpoint_url
        # The embedded store checks no signature, but botocore still wants some credentials.
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ.setdefault("AWS_REGION", "us-east-1")
    os.environ.setdefault("AWS_DEFAULT_REGION", os.environ["AWS_REGION"])
    # X-Ray has no daemon here, and EMF metrics printed from many threads at once would interleave.
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    # Locally only: webhooks may target http://127.0.0.1 / localhost, and retries come within seconds.
    os.environ.setdefault("WEBHOOK_ALLOW_LOCAL_TARGETS", "true")
    os.environ.setdefault("WEBHOOK_RETRY_BASE_SECONDS", "2")
