"""The scheduled points settler: it records each due activation and expiry once, through the
points-due index (a customer with nothing due is never read), in runs bounded by their time, safely
alongside another run or the customer's own writes; balances are right before it runs."""

from __future__ import annotations

import itertools
import time
from typing import Any, cast

import pytest

from rewards_cli.gateway import HttpResponse
from shared.domain.points import ledger as points_domain
from shared.entities.points import DAY_MS
from shared.storage import dynamodb, keys
from tests.support.api import ApiClient
from tests.support.concurrency import fire_together
from tests.support.faults import FaultInjector, injecting_faults
from tests.support.point_lots import (
    assert_books_balance,
    credit,
    days_later,
    entries,
    points_of,
    run_points_settler,
    stored_wallet,
)
from tests.support.rewards import create_reward, customer_path

COIN = {"name": "Coin", "type": "COIN", "parameters": {"coin": {"exchange_ratio": 1, "points_ratio": 10}}}


def _day_iso(day: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(day * DAY_MS // 1000))


def _today() -> int:
    return int(time.time() * 1000) // DAY_MS


def test_expired_points_never_count_before_the_job_and_the_job_records_the_expiry_with_its_lots(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 100 points expiring after 1 day and 500 after 30, credited now
    credit(api, "kim", 100, expire_after_days=1)
    credit(api, "kim", 500, expire_after_days=30)
    first_day, second_day = _today() + 1 + 1, _today() + 30 + 1  # rounded up to the end of their UTC day
    assert points_of(api, "kim")["expiring"] == [
        {"points": 100, "expires_at": _day_iso(first_day)},
        {"points": 500, "expires_at": _day_iso(second_day)},
    ]
    with days_later(monkeypatch, 2.5):
        # When nothing has run yet, the 100 are gone from the balance and shown as expired
        assert points_of(api, "kim") == {
            "balance": 500,
            "pending": 0,
            "earned": 600,
            "redeemed": 0,
            "expired": 100,
            "expiring": [{"points": 500, "expires_at": _day_iso(second_day)}],
        }
        assert entries(api, "kim", "expiry") == []
        # Then the job records the expiry once, naming the lot
        report = run_points_settler()
        assert (report["customers_settled"], report["entries_written"], report["backlog_left"]) == (1, 1, False)
        (expiry,) = entries(api, "kim", "expiry")
        assert (expiry["points"], expiry["pending_points"], expiry["balance_after"]) == (-100, 0, 500)
        assert expiry["lots"] == [{"points": -100, "expires_at": _day_iso(first_day), "activates_at": None}]
        assert points_of(api, "kim")["balance"] == 500
        assert_books_balance(api, api.credentials.app_id, "kim")
        # And a second run records nothing more
        assert run_points_settler()["entries_written"] == 0
        assert len(entries(api, "kim", "expiry")) == 1


def test_activation_and_expiry_are_each_recorded_exactly_once(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given 40 points pending for 1 day (expiring in 10) and 25 expiring after 1 day
    credit(api, "lee", 40, pending_days=1, expire_after_days=10)
    credit(api, "lee", 25, expire_after_days=1)
    assert (points_of(api, "lee")["balance"], points_of(api, "lee")["pending"]) == (25, 40)
    with days_later(monkeypatch, 3):
        assert (points_of(api, "lee")["balance"], points_of(api, "lee")["pending"]) == (40, 0)
        # When the job runs twice
        first, second = run_points_settler(), run_points_settler()
        # Then one activation and one expiry were written, by the first run
        assert (first["entries_written"], second["entries_written"]) == (2, 0)
        (activation,) = entries(api, "lee", "activation")
        (expiry,) = entries(api, "lee", "expiry")
        assert (activation["points"], activation["pending_points"], activation["pending_after"]) == (40, -40, 0)
        assert activation["lots"][0]["points"] == 40
        assert activation["lots"][0]["activates_at"] is not None
        assert (expiry["points"], expiry["pending_points"]) == (-25, 0)
        assert_books_balance(api, api.credentials.app_id, "lee")
        wallet = stored_wallet(api.credentials.app_id, "lee")
        assert (wallet.balance, wallet.pending, wallet.expired) == (40, 0, 25)


def test_two_runs_at_once_record_each_expiry_once(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    names = [f"c{n}" for n in range(12)]
    for name in names:
        credit(api, name, 10, expire_after_days=1)
        credit(api, name, 7)
    with days_later(monkeypatch, 2):
        reports = fire_together([run_points_settler, run_points_settler])
        # A customer both runs lost every retry on (a slow, contended machine) is left to the next run.
        reports.append(run_points_settler())
        assert sum(r["entries_written"] for r in reports) == len(names)
        assert sum(r["customers_settled"] for r in reports) == len(names)
        for name in names:
            (expiry,) = entries(api, name, "expiry")
            assert expiry["points"] == -10
            assert_books_balance(api, api.credentials.app_id, name)
        assert run_points_settler()["entries_written"] == 0


def test_a_run_racing_the_customers_own_debit_expires_once_and_the_books_balance(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    reward_id = create_reward(api, COIN)
    names = [f"r{n}" for n in range(6)]
    for name in names:
        credit(api, name, 100, expire_after_days=1)
        credit(api, name, 300, expire_after_days=20)
    with days_later(monkeypatch, 2):
        # When each customer redeems 120 points while the job runs
        redeem = [
            lambda name=name: api.post(f"{customer_path(name)}/rewards/{reward_id}/redeem", {"points": 120})
            for name in names
        ]
        *answered, ran = fire_together([*redeem, run_points_settler])
        answers, report = cast(list[HttpResponse], answered), cast(dict[str, Any], ran)
        assert [a.status for a in answers] == [201] * len(names), [a.body for a in answers]
        assert report["customers_skipped"] == 0
        for name in names:
            # Then the expired 100 were never spent, expired once, whoever recorded it
            (expiry,) = entries(api, name, "expiry")
            assert expiry["points"] == -100
            (debit,) = entries(api, name, "reward_redemption")
            assert debit["points"] == -120
            assert [lot["points"] for lot in debit["lots"]] == [-120]
            assert points_of(api, name)["balance"] == 180
            assert_books_balance(api, api.credentials.app_id, name)
        assert run_points_settler()["entries_written"] == 0


def test_a_customer_with_nothing_due_is_not_read(api: ApiClient, monkeypatch: pytest.MonkeyPatch, table: str) -> None:
    credit(api, "due", 10, expire_after_days=1)
    credit(api, "later", 10, expire_after_days=100)
    credit(api, "never", 10)
    with days_later(monkeypatch, 2), injecting_faults() as recorder:
        report = run_points_settler()
        assert (report["customers_read"], report["entries_written"]) == (1, 1)
        assert _operations(recorder) == {"Query": 16, "BatchGetItem": 1, "TransactWriteItems": 1}
        assert all(c.partition_key is None for c in recorder.calls_of("Query")), "index queries, never a scan"
        # A run with nothing due reads the index and nothing else
        recorder.reset_records()
        assert run_points_settler()["customers_read"] == 0
        assert _operations(recorder) == {"Query": 16}


def _operations(recorder: FaultInjector) -> dict[str, int]:
    counted: dict[str, int] = {}
    for call in recorder.calls:
        counted[call.operation] = counted.get(call.operation, 0) + 1
    return counted


def test_a_run_out_of_time_leaves_a_backlog_the_next_run_finishes(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"b{n}" for n in range(20)]
    for name in names:
        credit(api, name, 5, expire_after_days=1)
    monkeypatch.setattr(points_domain, "BATCH_SIZE", 2)
    with days_later(monkeypatch, 2):
        # When a run's time lasts for 8 checks only
        checks = itertools.count()
        short = points_domain.settle_due(lambda: 10_000 if next(checks) < 8 else 0, safety_ms=5_000)
        # Then it settled some, not all, and says so
        assert short.backlog_left
        assert 0 < short.customers_settled < len(names)
        # And the next run settles the rest, each customer once
        rest = points_domain.settle_due(lambda: 60_000)
        assert not rest.backlog_left
        assert short.customers_settled + rest.customers_settled == len(names)
        for name in names:
            assert len(entries(api, name, "expiry")) == 1


def test_a_run_with_no_time_reads_nothing_and_reports_the_backlog(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    credit(api, "x", 5, expire_after_days=1)
    with days_later(monkeypatch, 2):
        report = points_domain.settle_due(lambda: 5_000, safety_ms=5_000)
        assert (report.customers_read, report.backlog_left) == (0, True)
        assert entries(api, "x", "expiry") == []


def test_a_customer_whose_writes_keep_winning_is_left_to_the_next_run(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    credit(api, "busy", 5, expire_after_days=1)
    credit(api, "calm", 5, expire_after_days=1)
    real_write = dynamodb.transact_write

    def another_write_always_lands_first(actions: list[Any]) -> None:
        profile = actions[0]
        if isinstance(profile, dynamodb.Update) and profile.key["PK"].endswith("#CUST#busy"):
            raise dynamodb.TransactionCancelled(["ConditionalCheckFailed"])
        real_write(actions)

    with days_later(monkeypatch, 2):
        monkeypatch.setattr(dynamodb, "transact_write", another_write_always_lands_first)
        # When every attempt for one customer loses its race, the run goes on without it
        report = points_domain.settle_due(lambda: 60_000)
        assert (report.customers_settled, report.customers_skipped, report.backlog_left) == (1, 1, True)
        assert entries(api, "busy", "expiry") == []
        # And the next run, unhindered, records its expiry
        monkeypatch.setattr(dynamodb, "transact_write", real_write)
        assert run_points_settler()["customers_settled"] == 1
        assert len(entries(api, "busy", "expiry")) == len(entries(api, "calm", "expiry")) == 1


def test_a_run_pages_through_a_shard_in_batches_counting_each_customer_read_and_skipped(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given one shard (every customer due on it) read one customer per query, two customers whose every
    # write loses its race, and two that settle: each expires today
    monkeypatch.setattr(keys, "POINTS_DUE_SHARDS", 1)
    monkeypatch.setattr(points_domain, "BATCH_SIZE", 1)
    for name in ("busy-a", "busy-b", "calm-a", "calm-b"):
        credit(api, name, 5, expire_after_days=1)
    real_write = dynamodb.transact_write

    def busy_writes_always_land_first(actions: list[Any]) -> None:
        profile = actions[0]
        if isinstance(profile, dynamodb.Update) and "#CUST#busy-" in profile.key["PK"]:
            raise dynamodb.TransactionCancelled(["ConditionalCheckFailed"])
        real_write(actions)

    monkeypatch.setattr(dynamodb, "transact_write", busy_writes_always_land_first)
    checks = itertools.count()
    with days_later(monkeypatch, 2), injecting_faults() as recorder:
        # When a run (with time for 30 checks: a run that kept re-reading would run out) works the shard
        report = points_domain.settle_due(lambda: 60_000 if next(checks) < 30 else 0)
        # Then it went on past both skipped customers, one query per customer, and counts all four
        # read, both skipped, both settled and the entry written for each
        assert _operations(recorder)["Query"] == 4
        assert (report.customers_read, report.customers_skipped, report.customers_settled) == (4, 2, 2)
        assert report.entries_written == 2
        assert report.backlog_left, "the skipped customers are the next run's"
        assert len(entries(api, "calm-a", "expiry")) == len(entries(api, "calm-b", "expiry")) == 1


def test_a_run_out_of_time_within_a_batch_reports_the_backlog(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "POINTS_DUE_SHARDS", 1)
    for name in ("first", "second"):
        credit(api, name, 5, expire_after_days=1)
    with days_later(monkeypatch, 2):
        # When the run's time ends after the batch was read and its first customer settled
        checks = itertools.count()
        report = points_domain.settle_due(lambda: 60_000 if next(checks) < 2 else 0)
        # Then the rest of the batch is reported as the next run's
        assert (report.customers_read, report.customers_settled, report.backlog_left) == (2, 1, True)


@pytest.mark.parametrize(("time_left_ms", "settled"), [(5_001, 1), (5_000, 0)])
def test_a_run_keeps_five_seconds_in_hand_by_default(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch, time_left_ms: int, settled: int
) -> None:
    credit(api, "x", 5, expire_after_days=1)
    with days_later(monkeypatch, 2):
        assert points_domain.settle_due(lambda: time_left_ms).customers_settled == settled


def test_a_customer_whose_write_loses_one_race_is_settled_by_the_same_run(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    credit(api, "once", 5, expire_after_days=1)
    real_write = dynamodb.transact_write
    lost: list[list[Any]] = []

    def the_first_write_loses(actions: list[Any]) -> None:
        if not lost:
            lost.append(actions)
            raise dynamodb.TransactionCancelled(["ConditionalCheckFailed"])
        real_write(actions)

    monkeypatch.setattr(dynamodb, "transact_write", the_first_write_loses)
    with days_later(monkeypatch, 2):
        report = points_domain.settle_due(lambda: 60_000)
        assert lost, "no write lost its race"
        assert (report.customers_settled, report.customers_skipped, report.backlog_left) == (1, 0, False)


def _engine_time(monkeypatch: pytest.MonkeyPatch, now_ms: int) -> None:
    from shared import clock

    monkeypatch.setattr(clock, "now_epoch_ms", lambda: now_ms)


def test_a_run_at_a_customers_due_second_settles_them_and_a_run_a_second_before_does_not(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 10 points expiring at the end of tomorrow's UTC day: the customer is due at that second
    credit(api, "edge", 10, expire_after_days=1)
    due_ms = (_today() + 2) * DAY_MS
    # When the job runs one second before, it does not even read the customer
    _engine_time(monkeypatch, due_ms - 1000)
    early = run_points_settler()
    assert (early["customers_read"], early["entries_written"]) == (0, 0)
    # Then a run exactly at the due second records the expiry (not the next run's job)
    _engine_time(monkeypatch, due_ms)
    on_time = run_points_settler()
    assert (on_time["customers_read"], on_time["customers_settled"], on_time["entries_written"]) == (1, 1, 1)
    (expiry,) = entries(api, "edge", "expiry")
    assert expiry["points"] == -10
    assert_books_balance(api, api.credentials.app_id, "edge")


@pytest.mark.parametrize(("offset_ms", "active"), [(0, True), (-1, False)])
def test_a_credit_placed_at_its_activation_moment_is_active_in_one_entry(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch, offset_ms: int, active: bool
) -> None:
    # Given an event a day before a day boundary, worth points pending for 1 day: they activate at it
    boundary_ms = _today() * DAY_MS
    _engine_time(monkeypatch, boundary_ms + offset_ms)
    credit(api, "dot", 30, pending_days=1, timestamp=(boundary_ms - DAY_MS) // 1000)
    # When placed exactly at that moment, the credit enters active: one entry, no activation
    # (a millisecond earlier it enters pending, and the settler activates it later)
    assert (points_of(api, "dot")["balance"], points_of(api, "dot")["pending"]) == ((30, 0) if active else (0, 30))
    (credited,) = entries(api, "dot")
    assert (credited["points"], credited["pending_points"]) == ((30, 0) if active else (0, 30))
    assert_books_balance(api, api.credentials.app_id, "dot")
