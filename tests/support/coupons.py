"""Builders of coupon payloads (SPEC §10, seed 004) shared by the coupon tests."""

from __future__ import annotations

import copy
import json
from typing import Any

from rewards_cli.template import PROJECT_ROOT
from tests.support.api import ApiClient


def spec_coupon(**changes: Any) -> dict[str, Any]:
    """SPEC §10's coupon: WHOLECART, 100 off, over 200.00 with cart_qty over 10 and an item of brand A."""
    body: dict[str, Any] = json.loads(json.loads((PROJECT_ROOT / "events" / "coupons_create.json").read_text())["body"])
    return {**body, **changes}


def simple_coupon(code: str | None = "SAVE10", **changes: Any) -> dict[str, Any]:
    """10 off any order, no conditions, unlimited (a pool coupon when ``code`` is None)."""
    body: dict[str, Any] = {"discount": {"type": "amount", "value": 10}, **changes}
    if code is not None:
        body["coupon_code"] = code
    return body


def seed_apply_body() -> dict[str, Any]:
    """Seed 004's complete payload: the body of events/coupons_apply.json."""
    sample = json.loads((PROJECT_ROOT / "events" / "coupons_apply.json").read_text())
    body: dict[str, Any] = json.loads(sample["body"])
    return body


def order_body(
    coupon_id: str,
    code: str,
    *,
    source_id: str = "krish123",
    order_id: str = "1223456",
    subtotal: float = 800,
    cart_qty: Any = "4",
) -> dict[str, Any]:
    body = copy.deepcopy(seed_apply_body())
    body["coupon_details"] = [{"coupon_id": coupon_id, "coupon_code": code}]
    body["source_id"] = source_id
    body["order"]["order_id"] = order_id
    body["order"]["selling_price_subtotal"] = subtotal
    body["order"]["metadata"]["cart_qty"] = cart_qty
    return body


def create_coupon(api: ApiClient, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/coupons", body)
    assert response.status == 201, response.body
    created: dict[str, Any] = response.json()
    return created


def customer(api: ApiClient, source_id: str = "krish123") -> str:
    response = api.put(f"/customers/{source_id}", {"name": "Krish"})
    assert response.status in (200, 201), response.body
    return source_id
