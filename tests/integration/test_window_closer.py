"""The window closer (shared/domain/windows.py): an AWT window is closed at its end second and not
before, every due window once, through the due index page by page, and the run counts what it did."""

from __future__ import annotations

import pytest

from shared.domain import windows
from shared.domain.windows import CloseReport
from tests.support.api import ApiClient
from tests.support.campaigns import TWO_DAYS, awt_seed_campaign, event

SIGNUP_TIME = 1_708_664_771
WINDOW_END = SIGNUP_TIME + TWO_DAYS


@pytest.fixture
def engine_time(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Engine time (not wall time) under the test's control."""
    from shared import clock

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
