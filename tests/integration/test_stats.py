"""GET /stats and the daily counters behind it: each domain event counted once on its UTC day, spread
over the day's shards, read back as every day of the range with zeros where nothing happened."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

from shared.domain import stats
from shared.storage import keys
from tests.conftest import TABLE_NAME
from tests.support.api import ApiClient, Credentials

TODAY = datetime.now(tz=UTC).date()


def count(app_id: str, event_id: str, event_type: str, day: date, **data: Any) -> bool:
    return stats.count(app_id, event_id, event_type, f"{day.isoformat()}T10:00:00.000Z", data)


def figures_of(api: ApiClient, query: str = "") -> dict[str, dict[str, int]]:
    response = api.get(f"/stats{query}")
    assert response.status == 200, response.body
    body = response.json()
    assert body["object"] == "stats"
    return {day.pop("date"): day for day in body["days"]}


def test_events_are_counted_on_their_day_once_each(api: ApiClient, credentials: Credentials) -> None:
    app = credentials.app_id
    yesterday = TODAY - timedelta(days=1)
    assert count(app, "evt_1", "points.credited", yesterday, points=100)
    assert count(app, "evt_2", "points.credited", yesterday, points=50)
    assert count(app, "evt_3", "points.debited", yesterday, points=-30)
    assert count(app, "evt_4", "customer.created", TODAY)
    assert count(app, "evt_5", "coupon.redeemed", TODAY)
    assert count(app, "evt_6", "reward.redeemed", TODAY)
    assert count(app, "evt_8", "points.credited", TODAY, points=0, pending_points=40)  # pending: earned today
    assert count(app, "evt_9", "points.expired", TODAY, points=-25, pending_points=-5)
    assert count(app, "evt_10", "points.reversed", TODAY, points=-12, pending_points=0)
    assert not count(app, "evt_11", "points.activated", TODAY, points=40, pending_points=-40)  # counted as credited
    # a redelivered stream record, and events that are no figure, change nothing
    assert not count(app, "evt_1", "points.credited", yesterday, points=100)
    assert not count(app, "evt_7", "rule.completed", TODAY)

    days = figures_of(api)

    assert len(days) == 30
    assert list(days)[-1] == TODAY.isoformat()
    assert days[yesterday.isoformat()] == {
        "points_credited": 150, "points_debited": 30, "coupons_redeemed": 0, "rewards_redeemed": 0, "new_customers": 0,
        "points_expired": 0, "points_reversed": 0,
    }  # fmt: skip
    assert days[TODAY.isoformat()] == {
        "points_credited": 40, "points_debited": 0, "coupons_redeemed": 1, "rewards_redeemed": 1, "new_customers": 1,
        "points_expired": 30, "points_reversed": 12,
    }  # fmt: skip
    assert all(sum(f.values()) == 0 for d, f in days.items() if d not in (TODAY.isoformat(), yesterday.isoformat()))


def test_a_busy_day_spreads_over_its_shards_and_sums_back(api: ApiClient, credentials: Credentials) -> None:
    for n in range(200):
        count(credentials.app_id, f"evt_busy_{n}", "points.credited", TODAY, points=1)
    per_partition: Counter[str] = Counter()
    for shard in range(keys.STATS_SHARDS):
        partition = keys.stats_shard_partition(credentials.app_id, shard)
        for item in boto3.client("dynamodb").query(
            TableName=TABLE_NAME,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": partition}},
        )["Items"]:
            per_partition[item["PK"]["S"]] += int(item["points_credited"]["N"])
    # each shard its own partition key: a partition's 1,000 writes a second, as many times over
    assert len(per_partition) == keys.STATS_SHARDS, "every shard of the day took some of the writes"
    assert max(per_partition.values()) < 200 / 2, f"one shard took most of the day: {per_partition}"
    assert figures_of(api, f"?from={TODAY}&to={TODAY}")[TODAY.isoformat()]["points_credited"] == 200


def test_the_range_is_inclusive_at_both_ends(api: ApiClient, credentials: Credentials) -> None:
    first, last = date(2026, 3, 1), date(2026, 3, 3)
    for n, day in enumerate([first - timedelta(days=1), first, last, last + timedelta(days=1)]):
        count(credentials.app_id, f"evt_edge_{n}", "customer.created", day)
    days = figures_of(api, f"?from={first}&to={last}")
    assert list(days) == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert [d["new_customers"] for d in days.values()] == [1, 0, 1]


def test_another_application_sees_none_of_the_figures(
    api: ApiClient, other_api: ApiClient, credentials: Credentials
) -> None:
    count(credentials.app_id, "evt_mine", "customer.created", TODAY)
    assert figures_of(api)[TODAY.isoformat()]["new_customers"] == 1
    assert figures_of(other_api)[TODAY.isoformat()]["new_customers"] == 0


@pytest.mark.parametrize(
    ("query", "details"),
    [
        ("?from=2026-03-02&to=2026-03-01", "to: must not be before from"),
        ("?from=2026-01-01&to=2026-04-03", "to: the range is at most 92 days"),
        ("?from=yesterday", "from"),
        ("?to=2026-02-30", "to"),
    ],
)
def test_a_bad_range_is_a_400_naming_the_parameter(api: ApiClient, query: str, details: str) -> None:
    response = api.get(f"/stats{query}")
    assert response.status == 400, response.body
    assert response.json()["details"].startswith(details)


def test_92_days_is_the_longest_range(api: ApiClient) -> None:
    days = figures_of(api, "?from=2026-01-01&to=2026-04-02")
    assert len(days) == 92


@dataclass(frozen=True)
class Announced:
    """The shape of a domain event the stream consumer announces."""

    id: str
    type: str
    created_at: str
    app_id: str
    data: Mapping[str, Any] = field(default_factory=dict)


def test_the_stream_consumers_batch_is_counted_once_even_when_redelivered(
    api: ApiClient, credentials: Credentials
) -> None:
    at = f"{TODAY.isoformat()}T08:00:00.000Z"
    batch = [
        [Announced("evt_b1", "customer.created", at, credentials.app_id)],
        [],  # a record that announces nothing
        [
            Announced("evt_b2", "points.credited", at, credentials.app_id, {"points": 100}),
            Announced("evt_b3", "rule.completed", at, credentials.app_id),
        ],
    ]
    assert stats.count_announced(batch) == 3
    assert stats.count_announced(batch) == 3  # the stream redelivers the whole batch
    today = figures_of(api)[TODAY.isoformat()]
    assert (today["new_customers"], today["points_credited"]) == (1, 100)


def test_a_store_fault_stops_the_batch_at_the_record_to_retry(
    api: ApiClient, credentials: Credentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.errors import ServiceUnavailable
    from shared.storage import stats as store

    at = f"{TODAY.isoformat()}T08:00:00.000Z"
    batch = [[Announced(f"evt_f{n}", "customer.created", at, credentials.app_id)] for n in range(3)]
    real_add = store.add

    def failing_second(app_id: str, event_id: str, *args: Any) -> bool:
        if event_id == "evt_f1":
            raise ServiceUnavailable("throttled")
        return real_add(app_id, event_id, *args)

    monkeypatch.setattr(store, "add", failing_second)
    assert stats.count_announced(batch) == 1
    monkeypatch.setattr(store, "add", real_add)
    assert stats.count_announced(batch[1:]) == 2  # the stream's retry from the failed record
    assert figures_of(api)[TODAY.isoformat()]["new_customers"] == 3
