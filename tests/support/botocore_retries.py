"""The one place the tests reach into botocore's retry internals (tests/integration/test_moto_adapter.py
checks they are still there): while faults are injected, the SDK's retries happen as configured but
without their backoff sleeps, and without drawing down its retry quota, so that fault tests stay fast
and independent of each other."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.retries import quota, standard


def check_supported() -> None:
    for owner, name in ((standard.ExponentialBackoff, "delay_amount"), (quota.RetryQuota, "acquire")):
        if not callable(getattr(owner, name, None)):
            raise RuntimeError(f"botocore's {owner.__name__}.{name} is gone: re-read tests/support/botocore_retries.py")


@contextmanager
def immediate_retries() -> Iterator[None]:
    check_supported()

    def no_backoff(self: Any, context: Any) -> float:
        return 0.0

    def unlimited(self: Any, capacity_amount: int) -> bool:
        return True

    saved = (standard.ExponentialBackoff.delay_amount, quota.RetryQuota.acquire)
    standard.ExponentialBackoff.delay_amount = no_backoff  # type: ignore[method-assign]
    quota.RetryQuota.acquire = unlimited  # type: ignore[method-assign]
    try:
        yield
    finally:
        standard.ExponentialBackoff.delay_amount, quota.RetryQuota.acquire = saved  # type: ignore[method-assign]
