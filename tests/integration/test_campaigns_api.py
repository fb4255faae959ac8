"""Campaign configuration: validation that names the field, ids, lists, PATCH and archive."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.support.api import ApiClient
from tests.support.campaigns import awt_seed_campaign, event, rta_seed_campaign


def _broken(path: list[Any], value: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    payload = copy.deepcopy(base or rta_seed_campaign())
    node: Any = payload
    for step in path[:-1]:
        node = node[step]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return payload


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        (_broken(["rules", 0, "actions", 0, "target"], 0), "rules.0.actions.0.target: input should be greater than 0"),
        (_broken(["rules", 0, "actions", 0, "property"], KeyError), "property is required when measure is sum"),
        (
            _broken(["rules", 0, "actions", 0, "measure"], "avg"),
            "rules.0.actions.0.measure: must be one of: count, sum",
        ),
        (_broken(["rules", 0, "time_duration"], 10), "time_duration is only used by AWT rules"),
        (
            _broken(["rules", 0, "actions"], [{"event_name": "signup", "target": 1}], awt_seed_campaign()),
            "an AWT rule has exactly two actions",
        ),
        (_broken(["rules", 0, "time_duration"], KeyError, awt_seed_campaign()), "time_duration is required"),
        (
            _broken(
                ["rules", 0, "actions", 1, "conditions"],
                [{"property": "amount", "operator": "between", "value": 1}],
                awt_seed_campaign(),
            ),
            "rules.0.actions.1.conditions.0.operator: must be one of: ",
        ),
        (_broken(["rules"], []), "rules: list should have at least 1 item"),
        (_broken(["campaign_type"], "cashback"), "campaign_type: must be one of: loyalty, referral"),
        (_broken(["rules", 0, "reward"], {"type": "points"}), "points is required when type is points"),
    ],
)
def test_invalid_campaigns_are_400s_naming_the_field(api: ApiClient, payload: dict[str, Any], detail: str) -> None:
    response = api.post("/campaigns", payload)
    assert response.status == 400, response.body
    assert detail in response.json()["details"], response.json()["details"]
    assert api.get("/campaigns").json()["data"] == []


def test_a_reward_grant_names_a_reward_of_the_application(api: ApiClient) -> None:
    payload = _broken(["rules", 0, "reward"], {"type": "reward", "reward_id": "rew_tfKRcTxedjr17FH3m267V"})
    response = api.post("/campaigns", payload)
    assert response.status == 400
    assert response.json()["details"] == (
        "rules.0.reward.reward_id: there is no reward rew_tfKRcTxedjr17FH3m267V in this application"
    )


def test_a_coupon_reward_names_a_coupon_of_the_application(api: ApiClient, other_api: ApiClient) -> None:
    theirs = other_api.post("/coupons", {"coupon_code": "THEIRS", "discount": {"type": "amount", "value": 5}})
    payload = _broken(["rules", 1, "reward"], {"type": "coupon", "coupon_id": theirs.json()["coupon_id"]})
    response = api.post("/campaigns", payload)
    assert response.status == 400
    assert (
        response.json()["details"]
        == f"rules.1.reward.coupon_id: no coupon {theirs.json()['coupon_id']} in this application"
    )


def test_event_ids_are_stable_per_event_name_and_application(api: ApiClient, other_api: ApiClient) -> None:
    first = api.post("/campaigns", rta_seed_campaign()).json()
    second = api.post("/campaigns", awt_seed_campaign()).json()
    orders_first = first["rules"][0]["actions"][1]
    orders_second = second["rules"][0]["actions"][1]
    assert orders_first["event_name"] == orders_second["event_name"] == "order_success"
    assert orders_first["event_id"] == orders_second["event_id"]
    elsewhere = other_api.post("/campaigns", rta_seed_campaign()).json()
    assert elsewhere["rules"][0]["actions"][1]["event_id"] != orders_first["event_id"]


def test_list_is_paginated(api: ApiClient) -> None:
    ids = {api.post("/campaigns", rta_seed_campaign()).json()["campaign_id"] for _ in range(5)}
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = api.get("/campaigns", query=query).json()
        pages += 1
        seen += [c["campaign_id"] for c in page["data"]]
        assert page["object"] == "list"
        assert page["has_more"] == (page["next_cursor"] is not None)
        if not page["has_more"]:
            break
        cursor = page["next_cursor"]
    assert pages == 3
    assert sorted(seen) == sorted(ids)
    assert api.get("/campaigns", query={"limit": "0"}).status == 400
    assert api.get("/campaigns", query={"cursor": "garbage!"}).json()["details"].startswith("cursor")


def test_patch_changes_name_status_and_dates_and_delete_archives(api: ApiClient) -> None:
    campaign = api.post("/campaigns", rta_seed_campaign()).json()
    path = f"/campaigns/{campaign['campaign_id']}"
    paused = api.patch(path, {"status": "paused", "campaign_name": "Renamed"})
    assert paused.status == 200
    assert (paused.json()["status"], paused.json()["campaign_name"]) == ("paused", "Renamed")
    # a paused campaign does not advance
    assert api.post("/events", event("c1", "order_success")).json()["progress"] == []
    api.patch(path, {"status": "active"})
    assert api.post("/events", event("c1", "order_success")).json()["progress"] != []
    # dates apply by event time
    api.patch(path, {"starts_at": "2030-01-01T00:00:00Z"})
    assert api.post("/events", event("c2", "order_success")).json()["progress"] == []
    bad = api.patch(path, {"ends_at": "2029-01-01T00:00:00Z"})
    assert bad.status == 400
    assert bad.json()["details"] == "ends_at: must be after starts_at"
    assert api.patch(path, {"rules": []}).json()["details"] == "rules is not a known field"
    archived = api.delete(path)
    assert archived.status == 200
    assert archived.json()["status"] == "archived"
    assert api.patch(path, {"status": "active"}).status == 409
    assert api.get(path).json()["status"] == "archived"


def test_unknown_campaign_is_404(api: ApiClient, other_api: ApiClient) -> None:
    campaign = api.post("/campaigns", rta_seed_campaign()).json()
    path = f"/campaigns/{campaign['campaign_id']}"
    for response in (other_api.get(path), other_api.patch(path, {"status": "paused"}), other_api.delete(path)):
        assert response.status == 404
        assert response.json()["details"] == f"Cannot find campaign with id {campaign['campaign_id']}"
    assert api.get(path).json()["status"] == "active"


def test_events_create_unknown_customers_and_reject_future_timestamps(api: ApiClient) -> None:
    created = api.post("/events", event("new-1", "page_view"))
    assert created.status == 200
    assert created.json()["customer_created"] is True
    assert api.get("/customers/new-1").status == 200
    assert api.post("/events", event("new-1", "page_view")).json()["customer_created"] is False
    import time

    future = api.post("/events", event("new-2", "page_view", int(time.time()) + 3600))
    assert future.status == 400
    assert future.json()["details"] == "timestamp: must not be more than 300 seconds in the future"
    assert api.get("/customers/new-2").status == 404


def test_progress_filters_combine(api: ApiClient) -> None:
    loyalty = api.post("/campaigns", rta_seed_campaign()).json()
    api.post("/campaigns", awt_seed_campaign())
    referral = {**rta_seed_campaign(), "campaign_type": "referral"}
    for rule in referral["rules"]:
        rule["beneficiary"] = "referee"
    api.post("/campaigns", referral)
    api.put("/customers/c1", {"name": "C"})

    def names(**query: str) -> list[str]:
        body = api.get("/campaigns/reward-progress", query={"source_id": "c1", **query}).json()
        return sorted(c["campaign_name"] + "/" + c["campaign_type"] for c in body)

    assert len(names()) == 3
    assert names(campaign_type="referral") == ["Real time action campaign/referral"]
    assert names(campaign_type="loyalty", campaign_id=loyalty["campaign_id"]) == ["Real time action campaign/loyalty"]
    assert names(campaign_type="referral", campaign_id=loyalty["campaign_id"]) == []
    bad = api.get("/campaigns/reward-progress", query={"source_id": "c1", "campaign_type": "cashback"})
    assert bad.status == 400
    assert bad.json()["details"].startswith("campaign_type")
    missing = api.get("/campaigns/reward-progress")
    assert missing.status == 404
    assert missing.json()["key"] == "not_found"


def test_progress_pages_through_a_header_and_skips_archived_and_other_types(api: ApiClient) -> None:
    # Given 7 loyalty campaigns, 2 of them archived, and 3 referral ones
    loyalty = [api.post("/campaigns", rta_seed_campaign()).json()["campaign_id"] for _ in range(7)]
    for campaign_id in loyalty[:2]:
        assert api.delete(f"/campaigns/{campaign_id}").status == 200
    referral = {**rta_seed_campaign(), "campaign_type": "referral"}
    for rule in referral["rules"]:
        rule["beneficiary"] = "referee"
    for _ in range(3):
        api.post("/campaigns", referral)
    api.put("/customers/c1", {"name": "C"})
    # When the loyalty progress is read 2 campaigns a page, following the x-next-cursor header
    pages: list[list[str]] = []
    query = {"source_id": "c1", "campaign_type": "loyalty", "limit": "2"}
    while True:
        response = api.get("/campaigns/reward-progress", query=query)
        assert response.status == 200, response.body
        pages.append([c["campaign_id"] for c in response.json()])
        next_cursor = response.header("x-next-cursor")
        if next_cursor is None:
            break
        query["cursor"] = next_cursor
    # Then every live loyalty campaign comes once, in id order, full pages first; the last has no header
    assert pages == [sorted(loyalty[2:])[i : i + 2] for i in range(0, 5, 2)]
    everything = api.get("/campaigns/reward-progress", query={"source_id": "c1"})
    assert (len(everything.json()), everything.header("x-next-cursor")) == (8, None)
    assert api.get("/campaigns/reward-progress", query={"source_id": "c1", "limit": "101"}).status == 400


@pytest.mark.parametrize(
    ("path", "body", "detail"),
    [
        ("/events", {"source_id": "c1", "event_name": "x", "timestamp": True}, "timestamp: input should be"),
        ("/events", {"source_id": "c1", "event_name": "x", "timestamp": "1708664771"}, "timestamp: input should be"),
        ("/campaigns", _broken(["rules", 0, "actions", 1, "target"], "1"), "rules.0.actions.1.target: input should be"),
        ("/campaigns", _broken(["rules", 0, "reward", "points"], True), "rules.0.reward.points: input should be"),
    ],
)
def test_numbers_must_be_json_numbers(api: ApiClient, path: str, body: dict[str, Any], detail: str) -> None:
    """Regression (found by fuzzing): pydantic's lax mode took ``true`` and ``"5"`` for numbers."""
    response = api.post(path, body)
    assert response.status == 400, response.body
    assert response.json()["details"].startswith(detail), response.json()["details"]


def test_unknown_query_parameters_are_400s_naming_them(api: ApiClient) -> None:
    response = api.get("/campaigns", query={"limt": "5"})
    assert response.status == 400
    assert response.json()["details"] == "limt is not a known query parameter"
    assert api.get("/campaigns", query={"limit": "5"}).status == 200
