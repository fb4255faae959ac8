"""Helpers of the tier tests: the Done-means program, qualifying credits by orders (an earning rule of 1
point per 1.00), a member's tier as the API shows it, and a run of the scheduled tier job."""

from __future__ import annotations

from typing import Any

from rewards_cli.apigw import scheduled_event
from rewards_cli.lambdas import FunctionPool
from rewards_cli.template import load
from tests.support.api import ApiClient
from tests.support.rewards import customer_path

PROGRAM: dict[str, Any] = {
    "qualify_on": "points_earned",
    "window": {"rolling_months": 12},
    "tiers": [
        {"name": "Silver", "threshold": 0},
        {"name": "Gold", "threshold": 1000, "multiplier": 1.5},
        {"name": "Platinum", "threshold": 5000, "multiplier": 2},
    ],
    "downgrade": {"policy": "one_down", "grace_days": 30, "notice_days": 7},
}
ONE_PER_UNIT: dict[str, Any] = {"name": "1 point per 1.00", "earn": {"points": 1, "per": 1, "rounding": "down"}}


def set_program(api: ApiClient, **changes: Any) -> dict[str, Any]:
    response = api.put("/settings/tiers", PROGRAM | changes)
    assert response.status == 200, response.body
    body: dict[str, Any] = response.json()
    return body


def as_read(body: dict[str, Any], members: dict[str, int] | None = None) -> dict[str, Any]:
    """GET /settings/tiers of the program ``body`` (as PUT answered it): with ``members`` per tier (others: 0)
    and no former tiers."""
    counts = members or {}
    tier_members = [{"name": tier["name"], "members": counts.get(tier["name"], 0)} for tier in body["tiers"]]
    return body | {"members": tier_members, "former_tiers": []}


def earning_rule(api: ApiClient, body: dict[str, Any] = ONE_PER_UNIT) -> str:
    response = api.post("/earning-rules", body)
    assert response.status == 201, response.body
    rule_id: str = response.json()["id"]
    return rule_id


def order(api: ApiClient, source_id: str, order_id: str, value: float, occurred_at: str | None = None) -> int:
    """An order of ``value`` for ``source_id``: the points it earned."""
    body: dict[str, Any] = {
        "order_id": order_id,
        "source_id": source_id,
        "status": "completed",
        "original_price_subtotal": value,
        "selling_price_subtotal": value,
        "items": [{"product_id": "p", "original_price": value, "selling_price": value, "quantity": 1}],
    }
    if occurred_at is not None:
        body["occurred_at"] = occurred_at
    response = api.post("/orders", body)
    assert response.status == 201, response.body
    earned: int = response.json()["points"]["earned"]
    return earned


def tier_of(api: ApiClient, source_id: str) -> Any:
    response = api.get(customer_path(source_id))
    assert response.status == 200, response.body
    return response.json()["tier"]


def run_tier_job() -> dict[str, Any]:
    """One scheduled run of TierDowngraderFunction, as its EventBridge rule invokes it."""
    function = load().functions["TierDowngraderFunction"]
    report: dict[str, Any] = FunctionPool().invoke(function, scheduled_event("TierDowngrader"))
    return report
