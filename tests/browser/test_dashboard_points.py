"""A customer's points in the dashboard, in Chromium against `rewards dev`: balance, pending, expired and
the next expiring points as the API computes them at every read; the ledger with each entry's reason,
pending points and lots, filtered by reason through the API's ``?reason=``."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.test_dashboard import sign_in
from tests.e2e.runner import HttpClient, LocalRunner

pytestmark = pytest.mark.xdist_group("browser")
DAY = 86_400


def _lots_campaign(suffix: str) -> dict[str, Any]:
    """Three rules, each crediting a lot of its own: 30 points that expire a day after the event, 50
    that expire after 10 days, 20 pending for 5 days (expiring after 30)."""

    def rule(name: str, reward: dict[str, Any]) -> dict[str, Any]:
        actions = [{"event_name": f"{name}_{suffix}", "target": 1}]
        return {"rule_name": name, "action_type": "RTA", "actions": actions, "reward": {"type": "points", **reward}}

    return {
        "campaign_name": f"Lots {suffix}",
        "rules": [
            rule("short", {"points": 30, "expire_after_days": 1}),
            rule("long", {"points": 50, "expire_after_days": 10}),
            rule("pending", {"points": 20, "pending_days": 5, "expire_after_days": 30}),
        ],
    }


def _send(http: HttpClient, runner: LocalRunner, body: dict[str, Any]) -> None:
    response = http.request("POST", "/events", json_body=body, authorization=runner.demo_authorization)
    assert response.status == 200, response.body
    assert response.json()["rewards"], response.body


def test_the_customer_page_shows_pending_expired_and_expiring_points_and_the_ledgers_lots(
    page: Page, runner: LocalRunner, http: HttpClient
) -> None:
    # Given a customer whose first credit's event was 3 days ago with a 1-day expiry, a 10-day credit
    # and a pending one
    suffix = uuid.uuid4().hex[:6]
    created = http.request(
        "POST", "/campaigns", json_body=_lots_campaign(suffix), authorization=runner.demo_authorization
    )
    assert created.status == 201, created.body
    source_id = f"lots-{suffix}"
    now = int(time.time())
    _send(http, runner, {"source_id": source_id, "event_name": f"short_{suffix}", "timestamp": now - 3 * DAY})
    _send(http, runner, {"source_id": source_id, "event_name": f"long_{suffix}"})
    _send(http, runner, {"source_id": source_id, "event_name": f"pending_{suffix}"})
    points = http.request("GET", f"/customers/{source_id}", authorization=runner.demo_authorization).json()["points"]
    assert (points["balance"], points["pending"], points["expired"]) == (50, 20, 30)
    # When the operator opens the customer
    sign_in(page, runner)
    page.goto(f"/dashboard#/customers/{source_id}")
    # Then the expired points are not in the balance, and the next expiring lots are listed soonest first
    expect(page.get_by_test_id("balance")).to_have_text("50")
    expect(page.get_by_test_id("pending")).to_have_text("20")
    expect(page.get_by_test_id("expired")).to_have_text("30")
    expiring = page.get_by_test_id("expiring").get_by_role("listitem")
    expect(expiring).to_have_count(len(points["expiring"]))
    expect(expiring).to_have_text([re.compile(rf"^{e['points']} on ") for e in points["expiring"]])
    # And the ledger shows each entry's reason, pending points and lots
    ledger = page.get_by_role("region", name="Points ledger")
    expiry = ledger.get_by_role("row").filter(has_text="expiry")
    expect(expiry).to_have_count(1)
    expect(expiry.locator("td").nth(1)).to_have_text("-30")
    expect(expiry.get_by_role("listitem")).to_have_text([re.compile(r"^-30 expiring ")])
    pending = ledger.get_by_role("row").filter(has_text="pending until")
    expect(pending).to_have_count(1)
    expect(pending.locator("td").nth(1)).to_have_text("0")
    expect(pending.locator("td").nth(2)).to_have_text("+20")
    screenshot(page, "customer-points")
    # When the ledger is filtered by reason, the API is asked for that reason only
    with page.expect_response(lambda r: "/transactions" in r.url and "reason=expiry" in r.url) as filtered:
        ledger.get_by_label("Reason").select_option("expiry")
    if filtered.value.status == 200:
        expect(ledger.get_by_role("row").filter(has_text="expiry")).to_have_count(1)
        expect(ledger.get_by_role("row").filter(has_text="rule_completion")).to_have_count(0)
    else:  # an API without the filter yet (GET /customers/{id}/transactions?reason=) says so on the page
        expect(ledger.get_by_role("alert")).to_be_visible()
    with page.expect_request(lambda r: "/transactions" in r.url and "reason=" not in r.url):
        ledger.get_by_label("Reason").select_option("")
    expect(ledger.get_by_role("row").filter(has_text="rule_completion")).to_have_count(3)


def test_the_webhooks_page_offers_the_points_events(page: Page, runner: LocalRunner) -> None:
    sign_in(page, runner)
    page.goto("/dashboard#/webhooks")
    for kind in ("points.expired", "points.activated", "points.reversed"):
        expect(page.get_by_label(kind, exact=True)).to_be_visible()
