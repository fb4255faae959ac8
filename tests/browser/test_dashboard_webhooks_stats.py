"""Webhooks and the overview in the dashboard, with the stream consumer of `rewards dev` running: a webhook
registered through the form (its secret shown once), its deliveries listed; the overview's figures
follow what the stream counted."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_dashboard import field, go_to, sign_in
from tests.e2e.runner import HttpClient, LocalRunner

pytestmark = pytest.mark.xdist_group("browser")
STREAM_WAIT_SECONDS = 30


def new_customers_today(http: HttpClient, runner: LocalRunner) -> int:
    response = http.request("GET", "/stats", authorization=runner.demo_authorization)
    assert response.status == 200, response.body
    return int(response.json()["days"][-1]["new_customers"])


def put_customer(http: HttpClient, runner: LocalRunner) -> None:
    response = http.request(
        "PUT",
        f"/customers/stats-{uuid.uuid4().hex[:8]}",
        json_body={"name": "New"},
        authorization=runner.demo_authorization,
    )
    assert response.status == 201, response.body


def test_new_customers_reach_the_overview_through_the_stream(page: Page, runner: LocalRunner, http: HttpClient) -> None:
    before = new_customers_today(http, runner)
    put_customer(http, runner)
    put_customer(http, runner)
    deadline = time.monotonic() + STREAM_WAIT_SECONDS
    while new_customers_today(http, runner) < before + 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    counted = new_customers_today(http, runner)
    assert counted == before + 2, f"the stream consumer counted {counted - before} of 2 new customers"
    sign_in(page, runner)
    today = page.get_by_role("table", name="Daily figures, last 30 days").locator("tbody tr").last
    expect(today.locator("td").last).to_have_text(f"{counted:,}")


def test_a_webhook_is_registered_with_its_secret_shown_once(page: Page, runner: LocalRunner, http: HttpClient) -> None:
    url = f"http://127.0.0.1:9/hooks/{uuid.uuid4().hex[:8]}"
    sign_in(page, runner)
    go_to(page, "Webhooks")
    field(page, "url").fill(url)
    page.get_by_role("button", name="Register webhook").click()
    secret = page.get_by_test_id("webhook-secret")
    expect(secret).to_contain_text("whsec_")
    shown = secret.inner_text()
    row = page.get_by_role("row").filter(has_text=url)
    expect(row).to_be_visible()
    # once dismissed (or on another visit) the secret is never shown again
    page.get_by_role("button", name="I have stored the secret").click()
    expect(page.locator("main")).not_to_contain_text(shown)
    page.reload()
    expect(row).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(shown)
    # its deliveries: an event it subscribes to ("*") appears there
    put_customer(http, runner)
    row.get_by_role("link", name=f"Deliveries of {url}").click()
    webhook_id = re.search(r"whk_\w+", row.inner_text())
    assert webhook_id, row.inner_text()
    deliveries = page.get_by_role("region", name=f"Deliveries of {webhook_id.group(0)}")
    deadline = time.monotonic() + STREAM_WAIT_SECONDS
    while time.monotonic() < deadline and not deliveries.get_by_role("row").filter(has_text="customer.created").count():
        page.get_by_role("button", name="Refresh deliveries").click()
        page.wait_for_timeout(500)
    expect(deliveries.get_by_role("row").filter(has_text="customer.created")).to_have_count(1)
