"""Tiers in the dashboard, in Chromium against `rewards dev`: the program on the settings page (or that
there is none), and a member's computed tier with its gaps on the customer page."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import DESKTOP, open_page, screenshot
from tests.browser.test_dashboard import go_to, sign_in_as, unique
from tests.e2e.runner import HttpClient, LocalRunner, run_rewards
from tests.support.api import basic
from tests.support.tiers import ONE_PER_UNIT, PROGRAM

pytestmark = pytest.mark.xdist_group("browser")


def test_the_tier_program_and_a_members_tier_with_its_gap(
    browser: Browser, runner: LocalRunner, http: HttpClient
) -> None:
    # Given an application of its own without a tier program
    made = run_rewards("create-app", "--name", unique("tiers"), env=runner.store_env)
    assert made.returncode == 0, made.stderr
    app = json.loads(made.stdout)
    authorization = basic(app["api_key"], app["secret_key"])
    page, errors = open_page(browser, runner, DESKTOP)
    sign_in_as(page, app["api_key"], app["secret_key"])
    go_to(page, "Settings")
    expect(page.get_by_test_id("no-tier-program")).to_be_visible()
    # When the program is set and a member earns 1,200 points
    for method, path, body in (
        ("PUT", "/settings/tiers", PROGRAM),
        ("POST", "/earning-rules", ONE_PER_UNIT),
        ("POST", "/orders", {"order_id": "o-1", "source_id": "ada", "status": "completed",
                             "original_price_subtotal": 1200, "selling_price_subtotal": 1200,
                             "items": [{"product_id": "bag", "original_price": 1200, "selling_price": 1200,
                                        "quantity": 1}]}),
    ):  # fmt: skip
        response = http.request(method, path, json_body=body, authorization=authorization)
        assert response.status in (200, 201), response.body
    page.reload()
    # Then the settings show the tiers, and the member's page the tier with what it needs
    expect(page.get_by_test_id("tiers").get_by_role("row")).to_have_count(4)
    expect(page.get_by_test_id("downgrade")).to_contain_text("30 days of grace")
    expect(page.get_by_test_id("qualify-on")).to_have_text("points earned over the last 12 months")
    expect(page.get_by_test_id("tier-members")).to_have_text(["0", "1", "0"])  # ada, counted in Gold
    expect(page.get_by_test_id("former-tiers")).to_have_count(0)
    page.goto("/dashboard#/customers/ada")
    expect(page.get_by_test_id("tier")).to_have_text(
        re.compile(r"^Gold since .*; 1,200 qualifying points; 3,800 more for Platinum")
    )
    screenshot(page, "customer-tier")
    # And a program on spend says so
    spend = http.request(
        "PUT", "/settings/tiers", json_body=PROGRAM | {"qualify_on": "spend"}, authorization=authorization
    )
    assert spend.status == 200, spend.body
    go_to(page, "Settings")
    expect(page.get_by_test_id("qualify-on")).to_have_text("order value less returns over the last 12 months")
    page.goto("/dashboard#/customers/ada")
    expect(page.get_by_test_id("tier")).to_have_text(re.compile(r"^Gold since .*; 1,200 qualifying spend;"))
    # And a program without Gold shows ada under the former tiers until its next qualifying write
    renamed = PROGRAM | {"tiers": [{"name": "Bronze", "threshold": 0}, {"name": "Star", "threshold": 1000}]}
    assert http.request("PUT", "/settings/tiers", json_body=renamed, authorization=authorization).status == 200
    go_to(page, "Settings")
    expect(page.get_by_test_id("tier-members")).to_have_text(["0", "0"])
    expect(page.get_by_test_id("former-tiers")).to_contain_text("Gold 1")
    page.context.close()
    errors.assert_none()
