"""The window closer (shared/domain/windows.py): an AWT window is closed at its end second and not
before, every due window once, through the due index page by page; the run counts what it did and
stops when its time budget (less a safety margin) is spent."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from shared import clock
from shared.domain import windows
from shared.domain.windows import CloseReport
from shared.storage import dynamodb, keys, progress
from tests.support.api import ApiClient
from tests.support.campaigns import TWO_DAYS, awt_seed_campaign, event

SIGNUP_TIME = 1_708_664_771
WINDOW_END = SIGNUP_TIME + TWO_DAYS


@pytest.fixture
def engine_time(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Engine time (not wall time) under the test's control."""
    now = {"t": SIGNUP_TIME}
    monkeypatch.setattr(clock, "now_epoch", lambda: now["t"])
    return now


def _open_windows(api: ApiClient, customers: int) -> None:
    assert api.post("/campaigns", awt_seed_campaign()).status == 201
    for n in range(customers):
        assert api.post("/events", event(f"w{n}", "signup", SIGNUP_TIME)).status == 200


def test_a_window_is_closed_at_its_end_second_and_not_a_second_before(
    api: ApiClient, engine_time: dict[str, int]
) -> None:
    _open_windows(api, 1)
    engine_time["t"] = WINDOW_END - 1
    assert windows.close_due_windows(lambda: 60_000) == CloseReport(0, 0, 0, False)
    engine_time["t"] = WINDOW_END
    assert windows.close_due_windows(lambda: 60_000) == CloseReport(1, 0, 1, False)


def test_every_due_window_is_closed_once_page_by_page_and_counted(
    api: ApiClient, engine_time: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 24 windows over 32 shards: some shards hold several, read one at a time
    _open_windows(api, 24)
    monkeypatch.setattr(windows, "BATCH_SIZE", 1)
    engine_time["t"] = WINDOW_END + 60
    assert windows.close_due_windows(lambda: 60_000) == CloseReport(24, 0, 24, False)
    assert windows.close_due_windows(lambda: 60_000) == CloseReport(0, 0, 0, False)


def test_a_run_with_no_time_left_reads_nothing_and_reports_the_backlog(
    api: ApiClient, engine_time: dict[str, int]
) -> None:
    _open_windows(api, 1)
    engine_time["t"] = WINDOW_END + 60
    assert windows.close_due_windows(lambda: 5_000, safety_ms=5_000) == CloseReport(0, 0, 0, True)
    assert windows.close_due_windows(lambda: 60_000) == CloseReport(1, 0, 1, False)


class StepClock:
    """time.monotonic as the closer sees it: the run starts at 0 and each later reading is `step`
    seconds on (step 0: the whole run happens at `then`)."""

    def __init__(self, step: float = 1.0, then: float | None = None) -> None:
        self._readings = itertools.count()
        self._step, self._then = step, then

    def monotonic(self) -> float:
        n = next(self._readings)
        if n == 0 or self._then is None:
            return n * self._step
        return self._then


@pytest.fixture
def one_shard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every window in one due shard, so one worker reads them page by page in a known order."""
    monkeypatch.setattr(keys, "DUE_SHARDS", 1)


def _clock(monkeypatch: pytest.MonkeyPatch, clock: StepClock) -> None:
    monkeypatch.setattr(windows, "time", SimpleNamespace(monotonic=clock.monotonic))


@pytest.mark.parametrize(
    ("time_left_ms", "read_at", "expected"),
    [
        # 5 s are kept back for the Lambda to finish: 6 s left give a 1 s budget, used up to its last instant
        (6_000, 0.9995, CloseReport(1, 0, 1, False)),
        (6_000, 1.0, CloseReport(0, 0, 0, True)),
        # nothing beyond the safety margin: not even a first page
        (5_000, 0.0, CloseReport(0, 0, 0, True)),
    ],
)
def test_a_run_works_until_its_budget_less_the_safety_margin_and_not_an_instant_longer(
    api: ApiClient,
    engine_time: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    time_left_ms: int,
    read_at: float,
    expected: CloseReport,
) -> None:
    _open_windows(api, 1)
    engine_time["t"] = WINDOW_END
    _clock(monkeypatch, StepClock(then=read_at))
    assert windows.close_due_windows(lambda: time_left_ms) == expected


def test_a_run_reads_one_batch_at_a_time_and_stops_between_batches_when_its_time_is_up(
    api: ApiClient, engine_time: dict[str, int], monkeypatch: pytest.MonkeyPatch, one_shard: None
) -> None:
    _open_windows(api, 3)
    engine_time["t"] = WINDOW_END
    monkeypatch.setattr(windows, "BATCH_SIZE", 2)
    # a 2 s budget: the first batch is read at 1 s, the check before the second at 2 s stops the run
    _clock(monkeypatch, StepClock())
    assert windows.close_due_windows(lambda: 7_000) == CloseReport(2, 0, 2, True)
    assert windows.close_due_windows(lambda: 60_000) == CloseReport(1, 0, 1, False)


def test_windows_the_index_still_lists_after_another_run_closed_them_are_read_once_and_counted(
    api: ApiClient, engine_time: dict[str, int], monkeypatch: pytest.MonkeyPatch, one_shard: None
) -> None:
    _open_windows(api, 3)
    engine_time["t"] = WINDOW_END
    monkeypatch.setattr(windows, "BATCH_SIZE", 1)
    # the other run's close wins every race; the index has not caught up, so the entries stay listed
    monkeypatch.setattr(progress, "expire_window", lambda *_: False)
    _clock(monkeypatch, StepClock())
    assert windows.close_due_windows(lambda: 5_000 + 100_000) == CloseReport(0, 3, 3, False)


def test_a_closed_window_records_when_the_run_closed_it(
    api: ApiClient, engine_time: dict[str, int], monkeypatch: pytest.MonkeyPatch, one_shard: None
) -> None:
    _open_windows(api, 1)
    engine_time["t"] = WINDOW_END
    [window_key], _ = progress.due_windows(0, WINDOW_END, 10)
    monkeypatch.setattr(clock, "now_iso", lambda: "2024-02-25T05:06:11.000Z")
    assert windows.close_due_windows(lambda: 60_000) == CloseReport(1, 0, 1, False)
    closed = dynamodb.get_item(window_key)
    assert closed is not None
    assert (closed["status"], closed["updated_at"]) == ("expired", "2024-02-25T05:06:11.000Z")
