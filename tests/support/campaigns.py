"""Builders of campaign payloads (SPEC §10) and helpers shared by the campaign engine's tests."""

from __future__ import annotations

import json
import time
from typing import Any

from rewards_cli.apigw import scheduled_event
from rewards_cli.gateway import HttpResponse
from rewards_cli.lambdas import FunctionPool
from rewards_cli.template import PROJECT_ROOT, load
from tests.support.api import ApiClient

TWO_DAYS = 172800


def rta_seed_campaign() -> dict[str, Any]:
    """The seed's RTA example as SPEC §10 writes it: the body of events/campaigns_create.json."""
    sample = json.loads((PROJECT_ROOT / "events" / "campaigns_create.json").read_text())
    body: dict[str, Any] = json.loads(sample["body"])
    return body


def awt_rule(points: int = 50, duration: int = TWO_DAYS) -> dict[str, Any]:
    """The seed's AWT example: an order of at least $200 within 2 days of signup."""
    return {
        "rule_name": "Order within 2 days of signup",
        "action_type": "AWT",
        "time_duration": duration,
        "actions": [
            {"event_name": "signup", "target": 1},
            {
                "event_name": "order_success",
                "target": 1,
                "conditions": [{"property": "amount", "operator": "gte", "value": 200}],
            },
        ],
        "reward": {"type": "points", "points": points},
    }


def awt_seed_campaign(points: int = 50, duration: int = TWO_DAYS) -> dict[str, Any]:
    return {"campaign_name": "Action with time", "campaign_type": "loyalty", "rules": [awt_rule(points, duration)]}


def event(source_id: str, name: str, timestamp: int | None = None, **properties: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"source_id": source_id, "event_name": name, "properties": properties}
    if timestamp is not None:
        body["timestamp"] = timestamp
    return body


def run_window_closer(pool: FunctionPool | None = None) -> dict[str, Any]:
    function = load().functions["WindowCloserFunction"]
    result: dict[str, Any] = (pool or FunctionPool()).invoke(function, scheduled_event("WindowCloser"))
    return result


def send_until_done(api: ApiClient, body: dict[str, Any], key: str, first: HttpResponse | None = None) -> HttpResponse:
    """A well-behaved client: on 409 'in progress' or any 5xx it retries with the same Idempotency-Key."""
    response = first or api.post("/events", body, headers={"Idempotency-Key": key})
    for _ in range(100):
        if response.status == 200:
            return response
        assert response.status == 409 or response.status >= 500, response.body
        assert b"Traceback" not in response.body
        time.sleep(0.05)
        response = api.post("/events", body, headers={"Idempotency-Key": key})
    raise AssertionError(f"never succeeded: {response.status} {response.body!r}")


def ledger(api: ApiClient, source_id: str) -> list[dict[str, Any]]:
    """Every entry of a customer's ledger, newest first, through its pages."""
    entries: list[dict[str, Any]] = []
    query = {"limit": "100"}
    while True:
        page = api.get(f"/customers/{source_id}/transactions", query=query).json()
        entries += page["data"]
        if not page["next_cursor"]:
            return entries
        query = {"limit": "100", "cursor": page["next_cursor"]}
