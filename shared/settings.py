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
    )
