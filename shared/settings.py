"""Configuration, read from environment variables in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True, slots=True)
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


@cache
def get_settings() -> Settings:
    """Settings of this process; cached because Lambda environment variables never change at run time."""
    return Settings(
        table_name=os.environ.get("TABLE_NAME", "rewards"),
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        dynamodb_endpoint_url=os.environ.get("DYNAMODB_ENDPOINT_URL") or None,
        idempotency_ttl_seconds=int(os.environ.get("IDEMPOTENCY_TTL_SECONDS", "86400")),
        max_event_future_seconds=int(os.environ.get("MAX_EVENT_FUTURE_SECONDS", "300")),
        powertools_tracer_enabled=os.environ.get("POWERTOOLS_TRACER_ENABLED", "false").lower() == "true",
        event_bus_name=os.environ.get("EVENT_BUS_NAME", "rewards"),
        webhook_queue_url=os.environ.get("WEBHOOK_QUEUE_URL", ""),
        webhook_dead_letter_queue_url=os.environ.get("WEBHOOK_DEAD_LETTER_QUEUE_URL", ""),
        webhook_retry_base_seconds=max(1, int(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS", "60"))),
        webhook_allow_local_targets=os.environ.get("WEBHOOK_ALLOW_LOCAL_TARGETS", "false").lower() == "true",
    )
