"""Configuration, read from environment variables and validated in one place.

A function reads its settings at cold start (``shared.observability`` does, and every function imports
it): a missing or malformed variable fails the init with a message naming it, rather than a request
later meeting a wrong table. Nothing has a silent default that could point at the wrong resources; the
local runner and the tests set what they need (``rewards_cli.environment.configure``, tests/conftest.py).
"""

from __future__ import annotations

import os
from functools import cache

from shared.values import value_class


class SettingsError(RuntimeError):
    """The environment is incomplete or malformed; the message names the variable and what it needs."""


@value_class
class Settings:
    table_name: str
    region: str
    dynamodb_endpoint_url: str | None
    idempotency_ttl_seconds: int
    max_event_future_seconds: int
    powertools_tracer_enabled: bool
    # --- domain events and webhooks ---
    event_bus_name: str
    webhook_queue_url: str
    webhook_dead_letter_queue_url: str
    webhook_retry_base_seconds: int
    # Only the local runner sets this: http://127.0.0.1 and localhost targets (never link-local or private).
    webhook_allow_local_targets: bool
    # --- exports ---
    export_queue_url: str
    exports_bucket: str
    s3_endpoint_url: str | None  # the local runner's embedded store; None in AWS
    # --- imports: the bucket members' files are uploaded to, and the queue of their chunks ---
    imports_bucket: str = ""
    import_chunks_queue_url: str = ""


def _required(name: str, meaning: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise SettingsError(f"{name} is not set: {meaning}")
    return value


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number of seconds, got {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {value}")
    return value


def _flag(name: str) -> bool:
    raw = os.environ.get(name, "false").strip().lower()
    if raw not in ("true", "false"):
        raise SettingsError(f"{name} must be true or false, got {raw!r}")
    return raw == "true"


@cache
def get_settings() -> Settings:
    """Settings of this process; cached because Lambda environment variables never change at run time."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise SettingsError("AWS_REGION is not set: Lambda sets it; elsewhere set AWS_REGION or AWS_DEFAULT_REGION")
    return Settings(
        table_name=_required("TABLE_NAME", "the name of the DynamoDB table (template.yaml sets it in Globals)"),
        region=region,
        dynamodb_endpoint_url=os.environ.get("DYNAMODB_ENDPOINT_URL") or None,
        idempotency_ttl_seconds=_positive_int("IDEMPOTENCY_TTL_SECONDS", 86400),
        max_event_future_seconds=_positive_int("MAX_EVENT_FUTURE_SECONDS", 300),
        powertools_tracer_enabled=_flag("POWERTOOLS_TRACER_ENABLED"),
        event_bus_name=os.environ.get("EVENT_BUS_NAME", "rewards"),
        webhook_queue_url=os.environ.get("WEBHOOK_QUEUE_URL", ""),
        webhook_dead_letter_queue_url=os.environ.get("WEBHOOK_DEAD_LETTER_QUEUE_URL", ""),
        webhook_retry_base_seconds=_positive_int("WEBHOOK_RETRY_BASE_SECONDS", 60),
        webhook_allow_local_targets=_flag("WEBHOOK_ALLOW_LOCAL_TARGETS"),
        export_queue_url=os.environ.get("EXPORT_QUEUE_URL", ""),
        exports_bucket=os.environ.get("EXPORTS_BUCKET", ""),
        s3_endpoint_url=os.environ.get("AWS_ENDPOINT_URL_S3") or None,
        imports_bucket=os.environ.get("IMPORTS_BUCKET", ""),
        import_chunks_queue_url=os.environ.get("IMPORT_CHUNKS_QUEUE_URL", ""),
    )
