"""Earning rules and orders in the dashboard, in Chromium against `rewards dev`: a rule created through
the form (the API's error next to its field first), listed with its budget used; an order looked up with
its points per rule and item, and reached from the customer's ledger."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_dashboard import field, go_to, sign_in
from tests.e2e.runner import HttpClient, LocalRunner

pytestmark = pytest.mark.xdist_group("browser")


def test_a_rule_is_created_through_the_form_and_an_order_shows_its_points(
    page: Page, runner: LocalRunner, http: HttpClient
) -> None:
    suffix = uuid.uuid4().hex[:6]
    sign_in(page, runner)
    go_to(page, "Earning")
    # A per amount below a cent is refused, the API's message next to the field
    field(page, "name").fill(f"Electronics {suffix}")
    field(page, "earn.per").fill("0.001")
    field(page, "category").fill(f"electronics-{suffix}")
    field(page, "limits.budget").fill("1000")
    page.get_by_role("button", name="Create rule").click()
    expect(page.locator('[id="f-earn.per-error"]')).to_contain_text("0.01")
    field(page, "earn.per").fill("1")
    page.get_by_role("button", name="Create rule").click()
    expect(page.get_by_role("status")).to_contain_text(f"Earning rule Electronics {suffix} created")
    row = page.get_by_role("row").filter(has_text=f"Electronics {suffix}")
    expect(row).to_contain_text("1 per 1 of items, rounded down")
    expect(row).to_contain_text(f"metadata.category eq electronics-{suffix}")
    expect(row).to_contain_text("1,000 left")
    # An order of that category earns on it: the order view shows the points per item
    order_id, source_id = f"ord-{suffix}", f"zoe-{suffix}"
    item = {"product_id": "tv", "original_price": 123.45, "selling_price": 123.45, "quantity": 1,
            "metadata": {"category": f"electronics-{suffix}"}}  # fmt: skip
    body = {"order_id": order_id, "source_id": source_id, "status": "completed", "original_price_subtotal": 123.45,
            "selling_price_subtotal": 123.45, "items": [item]}  # fmt: skip
    placed = http.request("POST", "/orders", json_body=body, authorization=runner.demo_authorization)
    assert placed.status == 201, placed.body
    page.get_by_label("Order id").fill(order_id)
    page.get_by_role("button", name="Show order").click()
    expect(page.get_by_role("heading", name=f"Order {order_id}")).to_be_visible()
    points = page.get_by_role("table", name="Points per rule and item").get_by_role("row").filter(has_text="tv")
    expect(points.filter(has_text=f"Electronics {suffix}")).to_contain_text("123")
    # The customer's ledger links the credit to its order
    page.goto(f"/dashboard#/customers/{source_id}")
    page.get_by_role("region", name="Points ledger").get_by_role("link", name=f"order {order_id}").first.click()
    expect(page.get_by_role("heading", name=f"Order {order_id}")).to_be_visible()
