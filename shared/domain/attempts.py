"""The attempts of an optimistic write (read, then write conditioned on what was read), shared by the
customers, points, earning rules, orders and erasure: a module of its own so that a route needing only the
loop does not load the customers' domain (and the points' values behind it) at cold start."""

import random
import time
from collections.abc import Iterator

MAX_ATTEMPTS = 20


def retries() -> Iterator[int]:
    """Attempts of an optimistic write, with jitter before each retry."""
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))  # noqa: S311 - jitter, not crypto
        yield attempt
