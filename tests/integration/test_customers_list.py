"""GET /customers: the application's customers in source_id order, across the index's shards, by prefix."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shared.domain import customers
from shared.storage import customers as storage
from shared.storage import dynamodb, keys
from tests.support.api import ApiClient
from tests.support.faults import injecting_faults

SOURCE_IDS = sorted(f"member-{index:02d}" for index in range(45))


@pytest.fixture
def members(api: ApiClient) -> list[str]:
    for source_id in SOURCE_IDS:
        assert api.put(f"/customers/{source_id}", {"name": source_id.upper()}).status == 201
    return SOURCE_IDS


def pages(api: ApiClient, limit: int, q: str | None = None) -> Iterator[dict[str, Any]]:
    cursor = None
    while True:
        query = {"limit": str(limit)} | ({"q": q} if q else {}) | ({"cursor": cursor} if cursor else {})
        response = api.get("/customers", query=query)
        assert response.status == 200, response.body
        page = response.json()
        yield page
        assert page["has_more"] == (page["next_cursor"] is not None)
        if not page["has_more"]:
            return
        cursor = page["next_cursor"]


def test_pages_through_every_customer_in_order_across_shards(api: ApiClient, members: list[str]) -> None:
    assert len({keys.customers_entry("app", source_id)[keys.CUSTOMERS_PK] for source_id in members}) > 1
    listed = list(pages(api, 10))
    assert [len(page["data"]) for page in listed] == [10, 10, 10, 10, 5]
    assert [customer["source_id"] for page in listed for customer in page["data"]] == members
    first = listed[0]["data"][0]
    assert first == api.get(f"/customers/{first['source_id']}").json()
    assert first["name"] == "MEMBER-00"


def test_q_keeps_the_source_ids_that_start_with_it(api: ApiClient, members: list[str]) -> None:
    api.put("/customers/other-1", {})
    listed = [customer["source_id"] for page in pages(api, 3, q="member-1") for customer in page["data"]]
    assert listed == [source_id for source_id in members if source_id.startswith("member-1")]
    nothing = api.get("/customers", query={"q": "nobody"}).json()
    assert nothing == {"object": "list", "data": [], "has_more": False, "next_cursor": None}


def test_a_page_is_one_query_per_shard_and_one_batch_read(api: ApiClient, members: list[str]) -> None:
    with injecting_faults() as recorder:
        assert len(api.get("/customers", query={"limit": "20"}).json()["data"]) == 20
        calls = [c.operation for c in recorder.calls if c.partition_key is None or c.partition_key.startswith("APP#")]
    # and the tier program (each customer's tier): read once per container per 5 s (shared/storage/tiers.py)
    assert calls == ["Query"] * keys.CUSTOMER_SHARDS + ["BatchGetItem", "GetItem"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"cursor": "garbage!"}, "cursor"),
        ({"cursor": "eyJzayI6ICIifQ"}, "cursor"),  # a well-formed cursor with an empty source_id
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"q": ""}, "q"),
        ({"q": "x" * 129}, "q"),
    ],
)
def test_bad_parameters_are_400(api: ApiClient, query: dict[str, str], field: str) -> None:
    response = api.get("/customers", query=query)
    assert response.status == 400, response.body
    assert field in response.json()["details"]


def test_limit_bounds_are_kept(api: ApiClient, members: list[str]) -> None:
    assert len(api.get("/customers", query={"limit": "1"}).json()["data"]) == 1
    assert len(api.get("/customers", query={"limit": "100"}).json()["data"]) == 45
    assert len(api.get("/customers").json()["data"]) == 20


def test_another_application_sees_none_of_them(api: ApiClient, other_api: ApiClient, members: list[str]) -> None:
    assert other_api.get("/customers").json()["data"] == []
    other_api.put("/customers/member-00", {"name": "theirs"})
    assert [c["name"] for c in other_api.get("/customers").json()["data"]] == ["theirs"]


def test_customers_created_by_an_event_are_listed(api: ApiClient) -> None:
    response = api.post("/events", {"source_id": "from-event", "event_name": "signed_up"})
    assert response.status in (200, 201, 202), response.body
    assert [c["source_id"] for c in api.get("/customers").json()["data"]] == ["from-event"]


def test_a_profile_first_written_by_touch_is_listed(table: str) -> None:
    # the writers that may be first to see a customer (event ingestion's transaction) create it by touch
    dynamodb.update_item(keys.customer("app_1", "touched"), storage.touch("app_1", "touched", "cust_1", "2026-01-01"))
    assert [c.source_id for c in customers.list_customers("app_1", 20, None, None)[0]] == ["touched"]
