"""A customer's page in the dashboard, in Chromium against `rewards dev`: an AWT rule's window as each of
its actions sees it (before, during and after), the enrolment date only when there is one, the reasons a
member cannot get a reward in plain words, a loading state while another customer is read, and the ledger
readable on a phone."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, hold, open_page, screenshot
from tests.browser.test_dashboard import bar, send_event, sign_in, sign_in_as
from tests.e2e.runner import HttpClient, LocalRunner, run_rewards
from tests.support.api import basic

pytestmark = pytest.mark.xdist_group("browser")


def put_customer(http: HttpClient, authorization: str, source_id: str, **fields: Any) -> None:
    response = http.request("PUT", f"/customers/{source_id}", json_body=fields, authorization=authorization)
    assert response.status in (200, 201), response.body


def awt_campaign(suffix: str) -> dict[str, Any]:
    """Seed 000's AWT rule: an order of at least 200 within 2 days of the signup."""
    order_condition = [{"property": "amount", "operator": "gte", "value": 200}]
    return {
        "campaign_name": f"AWT {suffix}",
        "rules": [
            {
                "rule_name": "Order within 2 days of signup",
                "action_type": "AWT",
                "time_duration": 172800,
                "actions": [
                    {"event_name": f"signup_{suffix}", "target": 1},
                    {"event_name": f"order_{suffix}", "target": 1, "conditions": order_condition},
                ],
                "reward": {"type": "points", "points": 50},
            }
        ],
    }


def test_an_awt_rule_tells_its_window_before_during_and_after(
    page: Page, runner: LocalRunner, http: HttpClient
) -> None:
    # Given the seed's AWT rule and a customer with no event yet
    suffix = uuid.uuid4().hex[:6]
    created = http.request(
        "POST", "/campaigns", json_body=awt_campaign(suffix), authorization=runner.demo_authorization
    )
    assert created.status == 201, created.body
    source_id = f"awt-{suffix}"
    put_customer(http, runner.demo_authorization, source_id, name="Window")
    signup = f"Order within 2 days of signup: signup_{suffix}"
    order = f"Order within 2 days of signup: order_{suffix}"
    sign_in(page, runner)
    page.goto(f"/dashboard#/customers/{source_id}")
    # Then the signup opens the window, and the order's window of 2 days has not started
    expect(bar(page, signup)).to_have_attribute("aria-valuetext", "0%, 0 of 1, opens the window")
    expect(bar(page, order)).to_have_attribute("aria-valuetext", "0%, 0 of 1, window of 2 d 0 min not started")
    # When the customer signs up: the signup says when it opened the window
    send_event(http, runner, source_id, f"signup_{suffix}")
    page.get_by_role("button", name="Refresh").click()
    expect(bar(page, signup)).to_have_attribute(
        "aria-valuetext", re.compile(r"^100%, 1 of 1, completed, opened the window \S")
    )
    expect(bar(page, order)).to_have_attribute(
        "aria-valuetext", re.compile(r"^0%, 0 of 1, (2 d 0 min|1 d 23 h 5\d min) left$")
    )
    # When the order completes the rule: no time is left to tell
    send_event(http, runner, source_id, f"order_{suffix}", amount=250)
    page.get_by_role("button", name="Refresh").click()
    expect(bar(page, order)).to_have_attribute("aria-valuetext", "100%, 1 of 1, completed")
    expect(page.get_by_role("region", name="Reward progress")).not_to_contain_text("left")
    screenshot(page, "customer-awt")


def test_the_enrolment_date_is_shown_only_when_the_customer_has_one(
    page: Page, runner: LocalRunner, http: HttpClient
) -> None:
    suffix = uuid.uuid4().hex[:6]
    put_customer(http, runner.demo_authorization, f"walk-in-{suffix}", name="Walk-in")
    put_customer(http, runner.demo_authorization, f"member-{suffix}", enrolled_at="2022-03-04T05:06:07Z")
    sign_in(page, runner)
    page.goto(f"/dashboard#/customers/walk-in-{suffix}")
    expect(page.get_by_test_id("enrolled")).to_have_text("not enrolled (no enrolment date)")
    expect(page.get_by_test_id("created")).not_to_have_text("—")
    page.goto(f"/dashboard#/customers/member-{suffix}")
    enrolled = page.evaluate("new Date('2022-03-04T05:06:07Z').toLocaleString()")
    expect(page.get_by_test_id("enrolled")).to_have_text(enrolled)


def test_a_failed_eligibility_condition_reads_as_a_sentence(
    browser: Browser, runner: LocalRunner, http: HttpClient
) -> None:
    # Given an application of its own (its catalog holds one reward) for members tagged vip and gold
    made = run_rewards("create-app", "--name", f"tags-{uuid.uuid4().hex[:6]}", env=runner.store_env)
    assert made.returncode == 0, made.stderr
    app = json.loads(made.stdout)
    authorization = basic(app["api_key"], app["secret_key"])
    rules = [{"conditions": [{"operator": "Contain all of", "attribute": "User Tags", "value": ["vip", "gold"]}]}]
    reward = {
        "name": "Lounge pass",
        "type": "MATERIAL",
        "parameters": {"product": {"id": "prod_lounge"}},
        "points_to_be_redeemed": 0,
        "member_eligibility_rules": rules,
    }
    created = http.request("POST", "/rewards", json_body=reward, authorization=authorization)
    assert created.status == 201, created.body
    put_customer(http, authorization, "tagged", tags=["vip"])
    # When the member tagged vip only is opened
    page, errors = open_page(browser, runner, PHONE)
    sign_in_as(page, app["api_key"], app["secret_key"])
    page.goto("/dashboard#/customers/tagged")
    # Then the reason names the attribute once and the operator once
    why = page.get_by_role("region", name="Rewards", exact=True).get_by_role("listitem")
    expect(why).to_have_text(["User Tags: needs all of tags vip, gold, has tags vip (missing tag gold)"])
    page.context.close()
    errors.assert_none()


def test_switching_customers_shows_that_the_next_one_is_loading(
    page: Page, runner: LocalRunner, http: HttpClient
) -> None:
    # Given one customer on the page, and the API holding every answer about another
    suffix = uuid.uuid4().hex[:6]
    first, second = f"first-{suffix}", f"second-{suffix}"
    put_customer(http, runner.demo_authorization, first, name="First")
    put_customer(http, runner.demo_authorization, second, name="Second")
    sign_in(page, runner)
    page.goto(f"/dashboard#/customers/{first}")
    expect(page.get_by_role("heading", name="First")).to_be_visible()
    wait_for, release = hold(page, second)
    # When the other customer is looked up
    page.get_by_label("Source ID").fill(second)
    page.get_by_role("button", name="Look up").click()
    # Then the first one is gone at once, and the page says the second is loading
    wait_for(2)  # its profile and its progress
    loading = page.get_by_role("region", name=f"Customer {second}")
    expect(loading).to_have_attribute("aria-busy", "true")
    expect(loading).to_have_text(f"Loading {second}…")
    expect(page.get_by_role("heading", name="First")).to_have_count(0)
    # and once the profile is in, each list says it is loading until its own answer comes
    release()
    expect(page.get_by_role("heading", name="Second")).to_be_visible()
    wait_for(1)
    ledger = page.get_by_role("region", name="Points ledger")
    expect(ledger).to_have_attribute("aria-busy", "true")
    expect(ledger).to_contain_text("Loading the ledger…")
    release()
    expect(ledger).to_have_attribute("aria-busy", "false")
    expect(ledger).to_contain_text("No points have moved yet.")


def test_the_ledger_fits_a_phone(browser: Browser, runner: LocalRunner, http: HttpClient) -> None:
    # Given a customer with points credited by a rule
    suffix = uuid.uuid4().hex[:6]
    rule = {
        "rule_name": "Welcome",
        "action_type": "RTA",
        "actions": [{"event_name": f"welcome_{suffix}", "target": 1}],
        "reward": {"type": "points", "points": 25},
    }
    created = http.request(
        "POST",
        "/campaigns",
        json_body={"campaign_name": f"Welcome {suffix}", "rules": [rule]},
        authorization=runner.demo_authorization,
    )
    assert created.status == 201, created.body
    source_id = f"phone-{suffix}"
    send_event(http, runner, source_id, f"welcome_{suffix}")
    # When the customer is opened on a phone
    page, errors = open_page(browser, runner, PHONE)
    sign_in(page, runner)
    page.goto(f"/dashboard#/customers/{source_id}")
    ledger = page.get_by_role("region", name="Points ledger")
    entry = ledger.get_by_role("row").filter(has_text="rule_completion")
    expect(entry).to_have_count(1)
    # Then every value of the entry is on the screen, after its column's name, and nothing scrolls sideways
    cells = entry.locator("td")
    expect(cells).to_have_count(7)
    outside = cells.evaluate_all(
        "cells => cells.filter((c) => c.getBoundingClientRect().right > window.innerWidth).map((c) => c.dataset.label)"
    )
    assert outside == []
    wrap = ledger.locator(".table-wrap")
    assert wrap.evaluate("w => w.scrollWidth - w.clientWidth") <= 0
    labels = cells.evaluate_all("cells => cells.map((c) => getComputedStyle(c, '::before').content)")
    columns = ("When", "Points", "Pending", "Balance after", "Reason", "Lots", "Source")
    assert labels == [f'"{name}"' for name in columns]
    expect(cells.nth(1)).to_have_text("+25")
    screenshot(page, "customer-ledger-phone")
    page.context.close()
    errors.assert_none()
