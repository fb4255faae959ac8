"""API Gateway's usage plans, in the local runner: the API key the authorizer returns as
``usageIdentifierKey`` must belong to an active application, and each key is throttled by a token bucket
with its plan's rate and burst (the application's own limits from `rewards set-limits`, else the
template's DefaultUsagePlan), so that one application over its limit gets the gateway's 429 while the
others are unaffected, as deployed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from rewards_cli.template import RateLimits


class Admission(Enum):
    ADMITTED = "admitted"
    INVALID_API_KEY = "INVALID_API_KEY"  # the gateway response kinds of template.yaml
    THROTTLED = "THROTTLED"


@dataclass(slots=True)
class _Bucket:
    limits: RateLimits
    tokens: float
    updated: float
    checked: float  # when the key's plan was last read


@dataclass(frozen=True, slots=True)
class KeyPlan:
    """The plan of an active API key: its own limits, or None for the default plan's."""

    limits: RateLimits | None


# An API key's plan; None when the key is unknown or disabled.
PlanLookup = Callable[[str], KeyPlan | None]


class UsagePlans:
    def __init__(
        self,
        default: RateLimits,
        lookup: PlanLookup,
        *,
        refresh_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._default = default
        self._lookup = lookup
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def admit(self, api_key: str | None) -> Admission:
        if not api_key:
            return Admission.INVALID_API_KEY
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(api_key)
        if bucket is None or now - bucket.checked >= self._refresh_seconds:
            # Read outside the lock: a store round trip must not hold up other applications' requests.
            plan = self._lookup(api_key)
            if plan is None:
                with self._lock:
                    self._buckets.pop(api_key, None)
                return Admission.INVALID_API_KEY
            limits = plan.limits or self._default
            with self._lock:
                bucket = self._refreshed(api_key, limits, now)
        with self._lock:
            bucket.tokens = min(bucket.limits.burst, bucket.tokens + (now - bucket.updated) * bucket.limits.rate)
            bucket.updated = now
            if bucket.tokens < 1:
                return Admission.THROTTLED
            bucket.tokens -= 1
            return Admission.ADMITTED

    def _refreshed(self, api_key: str, limits: RateLimits, now: float) -> _Bucket:
        bucket = self._buckets.get(api_key)
        if bucket is None or bucket.limits != limits:
            bucket = _Bucket(limits, tokens=float(limits.burst), updated=now, checked=now)
            self._buckets[api_key] = bucket
        bucket.checked = now
        return bucket


def store_plan(api_key: str) -> KeyPlan | None:
    """An API key's plan from its credentials item in the store (the functions' own table)."""
    from shared.storage.applications import find_credentials

    found = find_credentials(api_key)
    if found is None:
        return None
    if found.rate_limit is None or found.burst_limit is None:
        return KeyPlan(None)
    return KeyPlan(RateLimits(found.rate_limit, found.burst_limit))
