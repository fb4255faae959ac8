"""bench/heat.py's model: partition patterns, how a replayed request's units spread at the merchant's
scale, and the rate each route reaches before one partition passes its limit."""

from __future__ import annotations

from bench.heat import POPULATION, model, pattern


def test_a_pattern_keeps_tags_and_event_names_and_elides_ids() -> None:
    assert pattern("APP#app_1#CUST#kim@x") == "APP#…#CUST#…"
    assert pattern("APP#app_1#EVENT#money_deposited") == "APP#…#EVENT#money_deposited"
    assert pattern("APP#app_1#STATS#COUNTED#3") == "APP#…#STATS#COUNTED#…"
    assert pattern("DueWindows:DUE#07") == "DueWindows:DUE#…"
    assert pattern("idempotency#EventsIngestFunction#http#0a1b") == "idempotency#…#…#…"


def counted(units: dict[str, list[float]], touched: dict[str, int] | None = None) -> dict[str, object]:
    """10 requests of ``POST /x`` charging ``units`` per partition, each partition touched by
    ``touched[partition]`` of them (by all, when not given)."""
    return {
        "customers": ["c1", "c2"],
        "requests": {"POST /x": 10},
        "units": {"POST /x": units},
        "touched": {"POST /x": {partition: (touched or {}).get(partition, 10) for partition in units}},
    }


def test_a_shared_partition_sets_the_ceiling_by_its_units_per_request() -> None:
    found = model(counted({"APP#a#COUPONS": [10.0, 20.0], "APP#a#EVENT#e": [50.0, 0.0]}), {"POST /x": 600})
    (row,) = found["routes"]
    # 2 WCU per request on one partition: 1,000 / 2 = 500 a second, below the 600 wanted
    assert row["ceiling_per_second"] == 500
    assert row["hottest"] == "APP#…#COUPONS"
    assert row["patterns"]["APP#…#EVENT#e"]["ceiling_per_second"] == 600  # 3,000 RCU / 5 RCU
    assert found["failing"] == ["POST /x"]
    assert found["mix"]["hottest_partitions"][0] == {
        "pattern": "APP#…#COUPONS",
        "read_units_per_second": 600.0,
        "write_units_per_second": 1200.0,
        "of_limit": 1.2,
        "from": ["POST /x"],
    }


def test_a_customer_partition_spreads_over_the_population_and_a_key_of_each_request_is_its_own() -> None:
    orders = {f"APP#a#REDEMPTION#k#o{n}": [0.0, 2.0] for n in range(10)}
    found = model(counted({"APP#a#CUST#c1": [0.0, 20.0], **orders}, dict.fromkeys(orders, 1)), {"POST /x": 600})
    (row,) = found["routes"]
    # 2 WCU per request on a customer of a sample of 2 stands for one of 10 M customers
    assert row["ceiling_per_second"] == round(1000 / (2 * 2 / POPULATION), 1)
    # ten requests, ten keys, each written by one request: never written again
    assert row["patterns"]["APP#…#REDEMPTION#…#…"]["ceiling_per_second"] is None
    assert row["write_units"] == 4.0
    assert found["failing"] == []


def test_a_few_shards_touched_once_each_are_still_shared() -> None:
    shards = {f"DUE#{n:02d}": [0.0, 2.0] for n in range(5)}  # 5 shards for 10 requests
    found = model(counted(shards, dict.fromkeys(shards, 1)), {"POST /x": 600})
    (row,) = found["routes"]
    assert row["patterns"]["DUE#…"]["ceiling_per_second"] == 1000 / (2 / 10)
