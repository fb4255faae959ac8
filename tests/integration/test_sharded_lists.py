"""Lists spread over shards for their write rate (a coupon's redemptions, a webhook's delivery log): pages
merged newest first across the shards, each item exactly once whatever the page size, items written
while a client pages never shown twice and never hiding older ones; a redemption indexed before the
shards is still listed, and a delivery is still found by its id alone."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.errors import ValidationFailed
from shared.ids import new_id
from shared.storage import dynamodb, keys, pagination
from shared.storage.dynamodb import Expression
from shared.storage.webhooks import DeliveryRecord, add_delivery
from tests.support.api import ApiClient, Credentials
from tests.support.coupons import create_coupon, customer, order_body, simple_coupon
from tests.support.points import FrozenClock, freeze_clock

PAGE_SIZES = [1, 2, 3, 5, 13, 100]


def every_page(api: ApiClient, path: str, limit: int, cursor: str | None = None) -> list[dict[str, Any]]:
    """Every item of a list (after ``cursor``), following its cursors ``limit`` items at a time."""
    items: list[dict[str, Any]] = []
    while True:
        response = api.get(path, query={"limit": str(limit)} | ({"cursor": cursor} if cursor else {}))
        assert response.status == 200, response.body
        page = response.json()
        assert len(page["data"]) <= limit
        items += page["data"]
        if page["next_cursor"] is None:
            return items
        assert page["data"], "a page that has more holds at least one item"
        cursor = page["next_cursor"]


@pytest.fixture
def wall(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return freeze_clock(monkeypatch)


# ------------------------------------------------------------------------------------------ the merge itself


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    placed=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 60)), unique_by=lambda p: p[1], max_size=30),
    added=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 60)), max_size=6),
    shard_count=st.integers(1, 5),
    limit=st.integers(1, 8),
)
def test_pages_across_shards_show_every_item_once_newest_first_even_while_items_are_added(
    table: str,
    placed: list[tuple[int, int]],
    added: list[tuple[int, int]],
    shard_count: int,
    limit: int,
) -> None:
    # Given items spread over shards, and more added after the first page (any time: older or newer)
    prefix = new_id("list")
    shards = pagination.Shards([f"{prefix}#{shard}" for shard in range(shard_count)], "IT#")
    taken = {position for _, position in placed}

    def put(shard: int, position: int) -> None:
        dynamodb.put_item({keys.PK: f"{prefix}#{shard % shard_count}", keys.SK: f"IT#{position:03d}"})

    for shard, position in placed:
        put(shard, position)
    # When a client reads every page
    listed: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        found, cursor = pagination.newest_first_across(shards, limit, cursor)
        assert len(found) <= limit
        listed += [item[keys.SK] for item in found]
        pages += 1
        if pages == 1:
            for shard, position in added:
                if position not in taken:
                    taken.add(position)
                    put(shard, position)
        if cursor is None:
            break
        assert found
    # Then strictly newest first (so never twice), every item there before the listing began, and what
    # was added only where the pages had not yet passed
    assert listed == sorted(set(listed), reverse=True)
    assert {f"IT#{position:03d}" for _, position in placed} <= set(listed)
    assert len(listed) <= len(taken)


def test_a_cursor_from_another_list_is_refused(table: str) -> None:
    shards = pagination.Shards(["x#0"], "IT#")
    with pytest.raises(ValidationFailed) as refused:
        pagination.newest_first_across(shards, 5, pagination.cursor_for("DLV#dlv_1"))
    assert refused.value.details.startswith("cursor:")


# ------------------------------------------------------------------------------------------ coupon redemptions


def redeem(api: ApiClient, coupon_id: str, order_id: str) -> None:
    applied = api.post("/coupons/apply?type=redeem", order_body(coupon_id, "SHARDED", order_id=order_id))
    assert applied.status == 200, applied.body


def index_partitions(app_id: str, coupon_id: str) -> set[str]:
    """The index partitions the coupon's redemptions are on."""
    found = set()
    for partition in keys.coupon_redemptions_partitions(app_id, coupon_id):
        result = dynamodb.query(
            Expression(f"{keys.COUPON_REDEMPTIONS_PK} = :pk", values={":pk": partition}),
            index=keys.COUPON_REDEMPTIONS_INDEX,
        )
        found |= {partition for _ in result.items[:1]}
    return found


@pytest.mark.parametrize("limit", PAGE_SIZES)
def test_a_coupons_redemptions_page_newest_first_across_its_shards(
    api: ApiClient, credentials: Credentials, wall: FrozenClock, limit: int
) -> None:
    # Given 14 redemptions of one coupon, two of them in the same millisecond (the order id orders them)
    coupon_id = create_coupon(api, simple_coupon("SHARDED"))["coupon_id"]
    customer(api)
    made = []
    for n in range(14):
        wall.ms += 0 if n == 7 else 3
        redeem(api, coupon_id, f"order-{n:02d}")
        made.append((wall.ms, f"order-{n:02d}"))
    # When every page is read
    listed = every_page(api, f"/coupons/{coupon_id}/redemptions", limit)
    # Then each redemption once, newest first, and the index entries were on several shards
    assert [r["order_id"] for r in listed] == [order for _, order in sorted(made, reverse=True)]
    assert len(index_partitions(credentials.app_id, coupon_id)) > 1


def test_redemptions_made_while_a_client_pages_are_never_shown_twice_and_hide_nothing(
    api: ApiClient, wall: FrozenClock
) -> None:
    coupon_id = create_coupon(api, simple_coupon("SHARDED"))["coupon_id"]
    customer(api)
    for n in range(9):
        wall.ms += 10
        redeem(api, coupon_id, f"old-{n}")
    first = api.get(f"/coupons/{coupon_id}/redemptions", query={"limit": "4"}).json()
    # a newer redemption, and one stamped older than the page read (a container whose clock is behind)
    wall.ms += 10
    redeem(api, coupon_id, "newer")
    wall.ms -= 75
    redeem(api, coupon_id, "late-clock")

    rest = every_page(api, f"/coupons/{coupon_id}/redemptions", 4, first["next_cursor"])

    shown = [r["order_id"] for r in first["data"] + rest]
    assert shown == ["old-8", "old-7", "old-6", "old-5", "old-4", "old-3", "old-2", "late-clock", "old-1", "old-0"]


def test_a_redemption_indexed_before_the_shards_is_still_listed_in_its_place(
    api: ApiClient, credentials: Credentials, wall: FrozenClock
) -> None:
    # Given three redemptions, the middle one's index entry under the single key it had before the shards
    coupon_id = create_coupon(api, simple_coupon("SHARDED"))["coupon_id"]
    customer(api)
    for order_id in ("first", "before-shards", "last"):
        wall.ms += 5
        redeem(api, coupon_id, order_id)
    unsharded = keys.coupon_redemptions_partitions(credentials.app_id, coupon_id)[-1]
    dynamodb.update_item(
        keys.coupon_redemption(credentials.app_id, coupon_id, "before-shards"),
        Expression(f"SET {keys.COUPON_REDEMPTIONS_PK} = :pk", values={":pk": unsharded}),
    )
    assert unsharded in index_partitions(credentials.app_id, coupon_id)
    # Then it is listed among the others, at every page size
    for limit in (1, 2, 100):
        listed = every_page(api, f"/coupons/{coupon_id}/redemptions", limit)
        assert [r["order_id"] for r in listed] == ["last", "before-shards", "first"]


# ------------------------------------------------------------------------------------------ webhook deliveries


def delivery(webhook_id: str, n: int) -> DeliveryRecord:
    # ids sort by time, as webhooks.delivery_id makes them
    return DeliveryRecord(
        delivery_id=f"dlv_{n:08d}{new_id('x')[-13:]}",
        webhook_id=webhook_id,
        event_id=f"evt_{n}",
        event_type="customer.created",
        body="{}",
        created_at="2026-03-10T12:00:00.000Z",
        expires_at=4_000_000_000,
    )


@pytest.mark.parametrize("limit", PAGE_SIZES)
def test_a_webhooks_deliveries_page_newest_first_across_its_shards_and_each_is_retried_by_id(
    api: ApiClient, credentials: Credentials, limit: int
) -> None:
    webhook_id = api.post("/webhooks", {"url": "https://93.184.215.14/hooks", "events": ["*"]}).json()["id"]
    made = [delivery(webhook_id, n) for n in range(21)]
    for record in made:
        assert add_delivery(credentials.app_id, record)

    listed = every_page(api, f"/webhooks/{webhook_id}/deliveries", limit)

    assert [d["id"] for d in listed] == [d.delivery_id for d in reversed(made)]
    assert len({keys.webhook_delivery(credentials.app_id, webhook_id, d.delivery_id)[keys.PK] for d in made}) > 1
    for record in made[:: 21 // 3]:
        retried = api.post(f"/webhooks/{webhook_id}/deliveries/{record.delivery_id}/retry")
        assert retried.status == 202, retried.body
        assert retried.json()["id"] == record.delivery_id


@pytest.mark.parametrize("forged", [b'{"sk": ""}', b'{"sk": 5}', b'{"sk": null}', b"[]", b"not json"])
def test_a_forged_cursor_of_a_sharded_list_is_a_400_naming_it(api: ApiClient, forged: bytes) -> None:
    coupon_id = create_coupon(api, simple_coupon("SHARDED"))["coupon_id"]
    webhook_id = api.post("/webhooks", {"url": "https://93.184.215.14/hooks", "events": ["*"]}).json()["id"]
    cursor = base64.urlsafe_b64encode(forged).decode().rstrip("=")
    for path in (f"/coupons/{coupon_id}/redemptions", f"/webhooks/{webhook_id}/deliveries"):
        refused = api.get(path, query={"cursor": cursor})
        assert (refused.status, refused.json()["details"]) == (400, "cursor: is not a cursor this API returned")
