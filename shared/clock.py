"""Time in one place, so that tests can freeze it and every module formats it alike."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now_epoch() -> int:
    return int(time.time())


def now_epoch_ms() -> int:
    return time.time_ns() // 1_000_000


def iso_from_epoch_ms(epoch_ms: int) -> str:
    """ISO 8601 UTC with milliseconds and a ``Z``, the seeds' format (``2021-02-09T13:58:20.194Z``)."""
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def now_iso() -> str:
    return iso_from_epoch_ms(now_epoch_ms())
