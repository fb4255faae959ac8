"""Earning rules over the API: create, read, list, change, delete; validation naming the field; the cap
on rules per application; another application never sees them."""

from __future__ import annotations

from typing import Any

import pytest

from shared.storage import keys
from tests.support.api import ApiClient
from tests.support.concurrency import Request, send_together
from tests.support.partition_reads import partition_reads

BASE_RULE: dict[str, Any] = {
    "name": "1 point per 1.00",
    "earn": {"points": 1, "per": 1, "of": "items", "rounding": "down"},
}
ELECTRONICS_RULE: dict[str, Any] = {
    "name": "+1 on electronics",
    "items": {"match": [{"field": "metadata.category", "operator": "eq", "value": "electronics"}]},
    "earn": {"points": 1, "per": 1},
}


def create(api: ApiClient, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/earning-rules", body)
    assert response.status == 201, response.body
    created: dict[str, Any] = response.json()
    return created


def test_a_rule_is_created_read_listed_changed_and_deleted(api: ApiClient) -> None:
    created = create(api, {**BASE_RULE, "limits": {"per_customer": {"points": 300, "period": "day"}, "budget": 1000}})
    assert created["id"].startswith("ern_")
    assert created["earn"] == {"points": 1, "per": 1, "of": "items", "rounding": "down"}
    # no time zone of its own: the cap's days are the application's (PUT /settings/points)
    assert created["limits"] == {"per_customer": {"points": 300, "period": "day", "time_zone": None}, "budget": 1000}
    assert (created["budget_used"], created["budget_left"], created["status"]) == (0, 1000, "active")
    assert api.get(f"/earning-rules/{created['id']}").json() == created

    second = create(api, ELECTRONICS_RULE)
    listed = api.get("/earning-rules").json()
    assert {r["id"] for r in listed["data"]} == {created["id"], second["id"]}

    changed = api.patch(
        f"/earning-rules/{created['id']}",
        {"multiplier": {"factor": 2, "starts_at": "2026-12-05T00:00:00Z", "ends_at": "2026-12-06T23:59:59Z"}},
    )
    assert changed.status == 200, changed.body
    body = changed.json()
    assert body["multiplier"] == {
        "factor": 2,
        "starts_at": "2026-12-05T00:00:00.000Z",
        "ends_at": "2026-12-06T23:59:59.000Z",
    }
    assert body["limits"] == created["limits"]  # what was not sent stays
    assert api.patch(f"/earning-rules/{created['id']}", {"multiplier": None}).json()["multiplier"] is None

    assert api.delete(f"/earning-rules/{created['id']}").status == 204
    assert api.get(f"/earning-rules/{created['id']}").status == 404
    assert api.delete(f"/earning-rules/{created['id']}").status == 404
    assert [r["id"] for r in api.get("/earning-rules").json()["data"]] == [second["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**BASE_RULE, "earn": {"points": 0, "per": 1}}, "earn.points"),
        ({**BASE_RULE, "earn": {"points": 1, "per": -1}}, "earn.per"),
        ({**BASE_RULE, "earn": {"points": 1, "rounding": "nearest"}}, "earn.rounding"),
        ({**BASE_RULE, "earn": {"points": 1, "of": "properties.amount"}}, "per"),
        ({**BASE_RULE, "earn": {"points": 1, "per": 1, "of": "amount"}}, "earn.of"),
        (
            {**BASE_RULE, "items": {"match": [{"field": "colour", "operator": "eq", "value": "red"}]}},
            "items.match.0.field",
        ),
        ({**BASE_RULE, "items": {"exclude": [{"field": "sku", "operator": "gt", "value": [1]}]}}, "items.exclude"),
        (
            {**BASE_RULE, "limits": {"per_customer": {"points": 10, "period": "fortnight"}}},
            "limits.per_customer.period",
        ),
        (
            {**BASE_RULE, "limits": {"per_customer": {"points": 10, "period": "day", "time_zone": "Mars/Base"}}},
            "limits.per_customer.time_zone",
        ),
        (
            {**BASE_RULE, "limits": {"per_customer": {"points": 10, "period": "day", "time_zone": "localtime"}}},
            "limits.per_customer.time_zone",
        ),
        ({**BASE_RULE, "limits": {"budget": 0}}, "limits.budget"),
        ({**BASE_RULE, "multiplier": 0}, "multiplier"),
        (
            {
                **BASE_RULE,
                "multiplier": {"factor": 2, "starts_at": "2026-12-06T00:00:00Z", "ends_at": "2026-12-05T00:00:00Z"},
            },
            "ends_at",
        ),
        ({**BASE_RULE, "event_name": ""}, "event_name"),  # any event name (issue 25), never a blank one
        ({**BASE_RULE, "event_name": "signup"}, "earn.of"),  # only an order has items
        ({**BASE_RULE, "bonus": 1}, "bonus"),
        ({"earn": {"points": 1}}, "name"),
    ],
)
def test_a_bad_rule_is_a_400_naming_the_field(api: ApiClient, body: dict[str, Any], field: str) -> None:
    response = api.post("/earning-rules", body)
    assert response.status == 400, response.body
    assert field in response.json()["details"]
    assert api.get("/earning-rules").json()["data"] == []


def test_a_bad_change_is_a_400_and_changes_nothing(api: ApiClient) -> None:
    created = create(api, BASE_RULE)
    response = api.patch(f"/earning-rules/{created['id']}", {"earn": {"points": -1}})
    assert response.status == 400
    assert "earn.points" in response.json()["details"]
    assert api.get(f"/earning-rules/{created['id']}").json() == created


@pytest.mark.parametrize("name", ["name", "status", "conditions", "items", "earn", "limits", "points"])
def test_a_null_in_a_change_is_a_400_naming_the_field_but_for_the_multiplier(api: ApiClient, name: str) -> None:
    created = create(api, {**BASE_RULE, "multiplier": 2})
    response = api.patch(f"/earning-rules/{created['id']}", {name: None})
    assert response.status == 400, response.body
    assert response.json()["details"].startswith(f"{name}: must not be null")
    assert api.get(f"/earning-rules/{created['id']}").json() == created


def test_at_most_20_rules_per_application(api: ApiClient) -> None:
    ids = [create(api, {**BASE_RULE, "name": f"rule {n}"})["id"] for n in range(20)]
    refused = api.post("/earning-rules", BASE_RULE)
    assert refused.status == 409
    assert "20" in refused.json()["details"]
    assert api.delete(f"/earning-rules/{ids[0]}").status == 204
    create(api, BASE_RULE)


def test_concurrent_changes_of_one_rule_each_land_and_none_is_lost(api: ApiClient) -> None:
    # Given a rule, changed field by field by four requests at the same instant
    created = create(api, BASE_RULE)
    path = f"/earning-rules/{created['id']}"
    changes = [{"name": "renamed"}, {"multiplier": 2}, {"limits": {"budget": 500}}, {"status": "inactive"}]
    responses = send_together(api, [Request("PATCH", path, change) for change in changes])
    # Then each is written over the version it read (a loser reads again): the rule holds all four
    assert [r.status for r in responses] == [200] * 4, [r.body for r in responses]
    final = api.get(path).json()
    assert (final["name"], final["multiplier"]["factor"], final["limits"]["budget"], final["status"]) == (
        "renamed",
        2,
        500,
        "inactive",
    )
    assert final["earn"] == created["earn"]


def test_one_rule_deleted_twice_at_once_is_one_204_and_frees_one_place_of_20(api: ApiClient) -> None:
    ids = [create(api, {**BASE_RULE, "name": f"rule {n}"})["id"] for n in range(20)]
    responses = send_together(api, [Request("DELETE", f"/earning-rules/{ids[0]}")] * 2)
    # the second deletes only the version it read, which is gone: a 404, and the count drops once
    assert sorted(r.status for r in responses) == [204, 404]
    create(api, BASE_RULE)
    assert api.post("/earning-rules", BASE_RULE).status == 409


def test_rules_are_listed_page_by_page_each_once(api: ApiClient) -> None:
    ids = [create(api, {**BASE_RULE, "name": f"rule {n}"})["id"] for n in range(3)]
    first = api.get("/earning-rules?limit=2").json()
    second = api.get(f"/earning-rules?limit=2&cursor={first['next_cursor']}").json()
    assert second["next_cursor"] is None
    assert sorted(r["id"] for r in first["data"] + second["data"]) == sorted(ids)


def test_a_rule_just_written_is_listed_as_it_is_now(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    created = create(api, BASE_RULE)
    with partition_reads(monkeypatch) as charged:
        listed = api.get("/earning-rules").json()["data"]
    assert listed == [created]
    # moto is always consistent; DynamoDB is only for a strongly consistent read: 1 unit for this page under
    # 4 KB (an eventually consistent one costs 0.5 and may miss the last write)
    assert charged[keys.earning_rules_partition(api.credentials.app_id)] == 1.0


def test_a_rules_conditions_are_kept_as_sent(api: ApiClient) -> None:
    conditions = [{"property": "channel", "operator": "eq", "value": "web"}]
    created = create(api, {**BASE_RULE, "conditions": conditions})
    assert created["conditions"] == conditions
    assert api.get(f"/earning-rules/{created['id']}").json()["conditions"] == conditions


def test_another_application_never_sees_a_rule(api: ApiClient, other_api: ApiClient) -> None:
    created = create(api, BASE_RULE)
    path = f"/earning-rules/{created['id']}"
    assert other_api.get(path).status == 404
    assert other_api.patch(path, {"name": "mine"}).status == 404
    assert other_api.delete(path).status == 404
    assert other_api.get("/earning-rules").json()["data"] == []
    assert api.get(path).json() == created
