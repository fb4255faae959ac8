"""Time in one place, so that tests can freeze it and every module formats it alike."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

DAY_MS = 86_400_000


def now_epoch() -> int:
    return int(time.time())


# What a datetime can render (years 1 to 9999). The API accepts a narrower range (shared/limits.py);
# a value stored before that check is shown at the nearest end rather than failing a whole list.
_RENDERABLE_MS = (
    int(datetime(1, 1, 1, tzinfo=UTC).timestamp() * 1000),
    int(datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC).timestamp() * 1000),
)


def now_epoch_ms() -> int:
    return time.time_ns() // 1_000_000


def iso_from_epoch_ms(epoch_ms: int) -> str:
    """ISO 8601 UTC with milliseconds and a ``Z``, the seeds' format (``2021-02-09T13:58:20.194Z``)."""
    epoch_ms = min(max(int(epoch_ms), _RENDERABLE_MS[0]), _RENDERABLE_MS[1])
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=epoch_ms)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    return iso_from_epoch_ms(now_epoch_ms())
