"""The window closer: AWT windows whose end has passed without completion are marked expired.

Due windows are found on the DueWindows index (never a scan), spread over shards; each is closed by a
conditional update (still active, end passed), so two runs at the same time close each window once.
A run works through shards in bounded batches until its time budget is spent; what is left is
picked up by the next run a minute later. Shards are worked in parallel threads, so a run's
throughput grows with the shard count; a backlog larger than a run can close is reported, which is
the signal to fan out (one invocation per shard range) should it ever persist.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from shared import clock
from shared.storage import keys, progress
from shared.values import value_class

BATCH_SIZE = 100
PARALLEL_SHARDS = 8


@value_class
class CloseReport:
    closed: int
    already_closed: int
    windows_read: int
    backlog_left: bool


def close_due_windows(time_left_ms: Callable[[], int], safety_ms: int = 5_000) -> CloseReport:
    now = clock.now_epoch()
    now_iso = clock.now_iso()
    deadline = time.monotonic() + max(0, time_left_ms() - safety_ms) / 1000

    def work_shard(shard: int) -> tuple[int, int, int, bool]:
        closed = skipped = read = 0
        position = None
        while time.monotonic() < deadline:
            due, position = progress.due_windows(shard, now, BATCH_SIZE, position)
            read += len(due)
            for item_key in due:
                if progress.expire_window(item_key, now, now_iso):
                    closed += 1
                else:
                    skipped += 1
            if position is None:
                return closed, skipped, read, False
        return closed, skipped, read, True

    with ThreadPoolExecutor(max_workers=PARALLEL_SHARDS) as pool:
        results = list(pool.map(work_shard, range(keys.DUE_SHARDS)))
    return CloseReport(
        closed=sum(r[0] for r in results),
        already_closed=sum(r[1] for r in results),
        windows_read=sum(r[2] for r in results),
        backlog_left=any(r[3] for r in results),
    )
