"""The dashboard's customer list, in Chromium against `rewards dev`: every customer of the application a
page at a time in source ID order, a search by the start of the ID, and a row opening the customer."""

from __future__ import annotations

import json
import uuid

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import DESKTOP, PHONE, open_page, screenshot
from tests.browser.test_dashboard import go_to, sign_in_as
from tests.browser.test_dashboard_customer_page import put_customer
from tests.e2e.runner import HttpClient, LocalRunner, run_rewards
from tests.support.api import basic

pytestmark = pytest.mark.xdist_group("browser")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_customers_are_listed_a_page_at_a_time_searched_and_opened(
    browser: Browser, runner: LocalRunner, http: HttpClient, viewport: dict[str, int]
) -> None:
    # Given an application of its own with 25 customers, one with points
    made = run_rewards("create-app", "--name", f"list-{uuid.uuid4().hex[:6]}", env=runner.store_env)
    assert made.returncode == 0, made.stderr
    app = json.loads(made.stdout)
    authorization = basic(app["api_key"], app["secret_key"])
    source_ids = [f"member-{index:02d}" for index in range(24)] + ["vip-1"]
    for source_id in source_ids:
        put_customer(http, authorization, source_id, name=source_id.title())
    credited = http.request(
        "POST",
        "/customers/vip-1/transactions",
        json_body={"points": 70, "description": "Welcome"},
        authorization=authorization,
    )
    assert credited.status == 201, credited.body
    page, errors = open_page(browser, runner, viewport)
    sign_in_as(page, app["api_key"], app["secret_key"])
    # When the Customers page opens
    go_to(page, "Customers")
    listing = page.get_by_role("region", name="All customers")
    rows = listing.get_by_role("row")
    # Then the first 20 are listed in source ID order, with their name and points
    expect(rows.nth(1)).to_have_text("member-00Member-000")
    expect(rows).to_have_count(21)  # the header and 20
    # and the next page holds the other 5, ending with the one with points
    listing.get_by_role("button", name="Next page").click()
    expect(rows).to_have_count(6)
    expect(rows.nth(5)).to_have_text("vip-1Vip-170")
    listing.get_by_role("button", name="Previous page").click()
    expect(rows).to_have_count(21)
    screenshot(page, f"customer-list-{viewport['width']}")
    # When the list is searched by the start of an ID
    listing.get_by_label("ID starts with").fill("member-1")
    listing.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(11)
    expect(listing.get_by_role("button", name="Next page")).to_be_disabled()
    listing.get_by_label("ID starts with").fill("nobody")
    listing.get_by_role("button", name="Search").click()
    expect(listing).to_contain_text("No customer's ID starts with nobody.")
    # When a customer is clicked, its page opens as a lookup does
    listing.get_by_label("ID starts with").fill("vip")
    listing.get_by_role("button", name="Search").click()
    listing.get_by_role("link", name="vip-1").click()
    expect(page).to_have_url(f"{runner.base_url}/dashboard#/customers/vip-1")
    expect(page.get_by_role("heading", name="Vip-1")).to_be_visible()
    expect(page.get_by_test_id("balance")).to_have_text("70")
    page.context.close()
    errors.assert_none()
