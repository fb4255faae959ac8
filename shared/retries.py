"""The attempts of an optimistic write and the pause before it tries again after losing a race, stated once
for every caller.

Full jitter, doubling from 5 ms per race lost and capped at 0.2 s: requests that collided spread out at
once, and 30 lost races pause at most 6 s in all, well within a function's timeout
(tests/integration/test_redemptions.py checks that worst case). Not a mutated module: every change to
the pause's shape (shorter, linear, steeper, capped from the start) leaves the same attempts deciding
the same answers, so each of its mutants would be an equivalent; how often requests collide again is
chance, which no test can pin.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

FIRST_PAUSE_SECONDS = 0.005
MAX_PAUSE_SECONDS = 0.2


def pause_after_lost_race(lost: int) -> None:
    """Sleep a random time up to ``FIRST_PAUSE_SECONDS x 2**lost``, at most ``MAX_PAUSE_SECONDS``."""
    time.sleep(random.uniform(0, min(MAX_PAUSE_SECONDS, FIRST_PAUSE_SECONDS * 2**lost)))  # noqa: S311 - jitter, not crypto


MAX_ATTEMPTS = 20


def retries(attempts: int = MAX_ATTEMPTS) -> Iterator[int]:
    """The ``attempts`` of an optimistic write (read, then write conditioned on what was read), with the
    pause before each retry: the customers, points, earning rules, orders and erasure loop over it."""
    for attempt in range(attempts):
        if attempt:
            pause_after_lost_race(attempt)
        yield attempt
