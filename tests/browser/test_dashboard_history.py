"""An object's history in the dashboard: the audit log's entries of a campaign and of a customer's points,
each with who made the change (the API key) and every changed field before and after."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_dashboard import sign_in, unique
from tests.e2e.runner import HttpClient, LocalRunner
from tests.support.campaigns import rta_seed_campaign

pytestmark = pytest.mark.xdist_group("browser")


def _api(http: HttpClient, runner: LocalRunner, method: str, path: str, body: Any = None) -> Any:
    response = http.request(method, path, json_body=body, authorization=runner.demo_authorization)
    assert response.status < 300, response.body
    return response.json() if response.body else None


def test_a_campaigns_history_shows_its_patch_by_the_key_that_made_it(
    page: Page, runner: LocalRunner, http: HttpClient
) -> None:
    # Given a campaign renamed and paused through the API
    created = _api(http, runner, "POST", "/campaigns", rta_seed_campaign())
    name = unique("Renamed")
    _api(http, runner, "PATCH", f"/campaigns/{created['campaign_id']}", {"campaign_name": name, "status": "paused"})
    # When its history is opened in the dashboard
    sign_in(page, runner)
    page.goto(f"/dashboard#/campaigns/{created['campaign_id']}")
    # Then the change shows first, by the demo key, each changed field before and after
    rows = page.get_by_test_id("history-row")
    expect(rows.first).to_contain_text("updated")
    expect(rows.first).to_contain_text(runner.demo["api_key"])
    expect(rows.filter(has_text="campaign_name").first).to_contain_text(f"Real time action campaign{name}")
    expect(rows.filter(has_text="status").first).to_contain_text("activepaused")
    changes = page.locator('[data-testid="history-row"] td[data-label="Change"]').filter(has_text=re.compile(r"\S"))
    expect(changes).to_have_text(["updated", "created"])


def test_a_customers_page_shows_its_points_adjustments(page: Page, runner: LocalRunner, http: HttpClient) -> None:
    # Given a customer credited by customer service
    source_id = unique("history")
    _api(http, runner, "PUT", f"/customers/{quote(source_id)}", {"name": "Hana"})
    _api(http, runner, "POST", f"/customers/{quote(source_id)}/transactions", {"points": 120, "description": "Welcome"})
    # When the customer's page is opened
    sign_in(page, runner)
    page.goto(f"/dashboard#/customers/{quote(source_id)}")
    # Then its history shows the adjustment and the balance it moved
    section = page.get_by_role("region", name="Points adjustments and reversals")
    balance = section.get_by_test_id("history-row").filter(has_text="balance")
    expect(balance).to_contain_text("points_adjusted")
    expect(balance).to_contain_text("0120")
