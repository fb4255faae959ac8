"""The operator dashboard as an operator uses it, in Chromium against `rewards dev`: sign in (wrong, then
right), every page at desktop and phone width, a campaign created through the form (the API's errors next
to their fields), events sent through the API moving the customer's progress bars, a customer looked up."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP, PHONE, open_page, screenshot
from tests.e2e.runner import HttpClient, LocalRunner, run_rewards
from tests.support.api import basic

NAVIGATION = ["Overview", "Campaigns", "Customers", "Rewards", "Coupons", "Earning", "Webhooks", "Settings"]
CREDENTIALS_KEY = "rewards.dashboard.credentials"

pytestmark = pytest.mark.xdist_group("browser")


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def sign_in(page: Page, runner: LocalRunner) -> None:
    sign_in_as(page, runner.demo["api_key"], runner.demo["secret_key"])


def sign_in_as(page: Page, api_key: str, secret_key: str) -> None:
    page.goto("/dashboard")
    page.get_by_label("API key").fill(api_key)
    page.get_by_label("Secret key").fill(secret_key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Overview")).to_be_visible()


def field(page: Page, name: str) -> Any:
    return page.locator(f'[id="f-{name}"]')


def go_to(page: Page, label: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name=label, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(label)


def fill_rule(page: Page, r: int, name: str, actions: list[dict[str, str]], points: str = "100") -> None:
    field(page, f"rules.{r}.rule_name").fill(name)
    for a, action in enumerate(actions):
        if a > 0:
            page.locator(f'[id="f-rules.{r}"]').get_by_role("button", name="Add action").click()
        prefix = f"rules.{r}.actions.{a}"
        field(page, f"{prefix}.event_name").fill(action["event_name"])
        if action.get("measure") == "sum":
            field(page, f"{prefix}.measure").select_option("sum")
            field(page, f"{prefix}.property").fill(action["property"])
        field(page, f"{prefix}.target").fill(action["target"])
    field(page, f"rules.{r}.reward").fill(points)


def create_seed_campaign_through_the_form(page: Page, name: str, suffix: str) -> None:
    """The seed's RTA campaign (SPEC §10), its event names made unique to this test."""
    go_to(page, "Campaigns")
    field(page, "campaign_name").fill(name)
    fill_rule(
        page,
        0,
        "Rule 1",
        [
            {"event_name": f"money_deposited_{suffix}", "measure": "sum", "property": "amount", "target": "1000"},
            {"event_name": f"order_success_{suffix}", "target": "1"},
        ],
    )
    page.get_by_role("button", name="Add rule").click()
    fill_rule(page, 1, "Rule 2", [{"event_name": f"complete_KYC_Verification_{suffix}", "target": "1"}])
    page.get_by_role("button", name="Create campaign").click()
    expect(page.get_by_role("status")).to_contain_text(f"Campaign {name} created")


def send_event(http: HttpClient, runner: LocalRunner, source_id: str, event_name: str, **properties: Any) -> None:
    body = {"source_id": source_id, "event_name": event_name, "properties": properties}
    response = http.request("POST", "/events", json_body=body, authorization=runner.demo_authorization)
    assert response.status in (200, 201), response.body


def api_progress(http: HttpClient, runner: LocalRunner, source_id: str) -> dict[str, int]:
    response = http.request(
        "GET", f"/campaigns/reward-progress?source_id={quote(source_id)}", authorization=runner.demo_authorization
    )
    assert response.status == 200, response.body
    return {
        f"{rule['rule_name']}: {action['event_name']}": action["progress"]
        for campaign in response.json()
        for rule in campaign["rules"]
        for action in rule["actions"]
    }


def bar(page: Page, label: str) -> Any:
    return page.get_by_role("progressbar", name=label, exact=True)


def test_sign_in_wrong_then_right_keeps_the_keys_in_this_tab_only_until_sign_out(
    page: Page, browser: Browser, runner: LocalRunner
) -> None:
    # Given the dashboard, and a wrong secret
    page.goto("/dashboard")
    screenshot(page, "sign-in")
    page.get_by_label("API key").fill(runner.demo["api_key"])
    page.get_by_label("Secret key").fill(runner.demo["secret_key"] + "x")
    page.get_by_role("button", name="Sign in").click()
    # Then the API's own message is shown, and nothing is kept
    expect(page.get_by_role("alert")).to_have_text("Unauthorized: app id or app secret invalid")
    assert page.evaluate(f"sessionStorage.getItem('{CREDENTIALS_KEY}')") is None
    # When the right secret is given
    page.get_by_label("Secret key").fill(runner.demo["secret_key"])
    page.get_by_role("button", name="Sign in").click()
    # Then the navigation has exactly the seven pages, and the keys are in this tab's session storage only
    nav = page.get_by_role("navigation").get_by_role("link")
    expect(nav).to_have_text(NAVIGATION)
    stored = json.loads(page.evaluate(f"sessionStorage.getItem('{CREDENTIALS_KEY}')"))
    assert stored == {**{k: runner.demo[k] for k in ("api_key", "secret_key")}, "app_id": runner.demo["app_id"]}
    assert page.evaluate("localStorage.length") == 0
    assert page.evaluate("document.cookie") == ""
    # a reload stays signed in; another browser session is not
    page.reload()
    expect(page.get_by_role("link", name="Overview")).to_be_visible()
    other, errors = open_page(browser, runner, DESKTOP)
    other.goto("/dashboard")
    expect(other.get_by_role("button", name="Sign in")).to_be_visible()
    other.context.close()
    errors.assert_none()
    # When signing out, the keys are gone
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("API key")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0


@pytest.mark.parametrize(("viewport", "size"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_every_page_renders_without_a_javascript_error(
    browser: Browser, runner: LocalRunner, viewport: dict[str, int], size: str
) -> None:
    page, errors = open_page(browser, runner, viewport)
    sign_in(page, runner)
    for label in NAVIGATION:
        go_to(page, label)
        page.wait_for_load_state("networkidle")
        expect(page.locator("main")).not_to_contain_text("Loading")
        # usable at this width: nothing but scrolling tables is wider than the screen
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{label} at {size}: {overflow}px wider than the screen"
        screenshot(page, f"{label.lower()}-{size}")
    page.context.close()
    errors.assert_none()


def test_a_campaign_is_created_through_the_form_with_the_api_errors_next_to_their_fields(
    page: Page, runner: LocalRunner
) -> None:
    sign_in(page, runner)
    go_to(page, "Campaigns")
    # Given a form the API refuses: no campaign name, a zero target, a points reward without points
    field(page, "rules.0.rule_name").fill("Deposits")
    field(page, "rules.0.actions.0.event_name").fill("money_deposited")
    field(page, "rules.0.actions.0.target").fill("0")
    field(page, "rules.0.reward").fill("")
    page.get_by_role("button", name="Create campaign").click()
    # Then each of the API's errors is next to its field, which is marked invalid
    expect(page.locator('[id="f-campaign_name-error"]')).to_contain_text(
        "campaign_name: string should have at least 1 character"
    )
    expect(field(page, "campaign_name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator('[id="f-rules.0.actions.0.target-error"]')).to_contain_text("greater than 0")
    expect(page.locator('[id="f-rules.0.reward-error"]')).to_contain_text("points is required")
    expect(field(page, "rules.0.rule_name")).not_to_have_attribute("aria-invalid", "true")
    # and the alert above the form repeats none of them
    expect(page.get_by_role("alert")).to_have_text("The campaign was not created: see the fields marked below.")
    # When a field is corrected, its error goes (the others stay until they are corrected or sent again)
    field(page, "campaign_name").fill("Fixed")
    expect(page.locator('[id="f-campaign_name-error"]')).to_have_count(0)
    expect(field(page, "campaign_name")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator('[id="f-rules.0.actions.0.target-error"]')).to_contain_text("greater than 0")
    # When the form is corrected (the seed's RTA campaign)
    name = unique("Seed RTA")
    page.reload()
    create_seed_campaign_through_the_form(page, name, uuid.uuid4().hex[:6])
    # Then it is listed as active, and can be paused, activated and archived
    row = page.get_by_role("row").filter(has_text=name)
    expect(row).to_contain_text("active")
    expect(row).to_contain_text("Rule 1 (RTA)")
    row.get_by_role("button", name=f"Pause {name}").click()
    expect(row.locator(".status")).to_have_text("paused")
    row.get_by_role("button", name=f"Activate {name}").click()
    expect(row.locator(".status")).to_have_text("active")
    row.get_by_role("button", name=f"Archive {name}").click()
    expect(row.locator(".status")).to_have_text("archived")
    expect(row.get_by_role("button")).to_have_count(0)
    screenshot(page, "campaigns-after-create")


def test_events_move_the_progress_bars_of_a_customer_looked_up_by_source_id(
    page: Page, runner: LocalRunner, http: HttpClient
) -> None:
    # Given the seed's RTA campaign, created through the form
    suffix = uuid.uuid4().hex[:6]
    sign_in(page, runner)
    create_seed_campaign_through_the_form(page, unique("Progress"), suffix)
    deposit, order, kyc = (
        f"Rule 1: money_deposited_{suffix}",
        f"Rule 1: order_success_{suffix}",
        f"Rule 2: complete_KYC_Verification_{suffix}",
    )
    source_id = f"KMN@{suffix}"
    # When the customer deposits 500 of 1000 (through the API), and is looked up
    send_event(http, runner, source_id, f"money_deposited_{suffix}", amount=500)
    go_to(page, "Customers")
    page.get_by_label("Source ID").fill(source_id)
    page.get_by_role("button", name="Look up").click()
    # Then the bars show the API's percentages: 50%, and 0% for what has not happened
    expect(bar(page, deposit)).to_have_attribute("aria-valuenow", "50")
    expect(bar(page, order)).to_have_attribute("aria-valuenow", "0")
    expect(bar(page, kyc)).to_have_attribute("aria-valuenow", "0")
    expect(page.get_by_test_id("balance")).to_have_text("0")
    # When the rest is deposited and KYC completes
    send_event(http, runner, source_id, f"money_deposited_{suffix}", amount=500)
    send_event(http, runner, source_id, f"complete_KYC_Verification_{suffix}")
    page.get_by_role("button", name="Refresh").click()
    # Then the deposit bar is full, and Rule 2's points are on the balance and in the ledger
    expect(bar(page, deposit)).to_have_attribute("aria-valuenow", "100")
    expect(bar(page, order)).to_have_attribute("aria-valuenow", "0")
    expect(page.get_by_test_id("balance")).to_have_text("100")
    ledger = page.get_by_role("region", name="Points ledger")
    expect(ledger.get_by_role("row").filter(has_text="rule_completion")).to_have_count(1)
    for label, percent in api_progress(http, runner, source_id).items():
        if suffix in label:
            expect(bar(page, label)).to_have_attribute("aria-valuenow", str(percent))
    screenshot(page, "customer-progress")
    # and the page is addressable: the same customer by URL
    page.goto(f"/dashboard#/customers/{quote(source_id, safe='')}")
    expect(bar(page, deposit)).to_have_attribute("aria-valuenow", "100")


def test_an_unknown_customer_shows_the_api_message(page: Page, runner: LocalRunner) -> None:
    sign_in(page, runner)
    go_to(page, "Customers")
    page.get_by_label("Source ID").fill("nobody@nowhere")
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Resource not found: Cannot find customer with source id nobody@nowhere"
    )


def test_a_form_error_goes_once_its_field_is_corrected(page: Page, runner: LocalRunner) -> None:
    sign_in(page, runner)
    go_to(page, "Webhooks")
    field(page, "url").fill("not an address")
    page.get_by_role("button", name="Register webhook").click()
    expect(page.locator('[id="f-url-error"]')).to_be_visible()
    expect(field(page, "url")).to_have_attribute("aria-invalid", "true")
    field(page, "url").fill("https://example.com/hooks")
    expect(page.locator('[id="f-url-error"]')).to_have_count(0)
    expect(field(page, "url")).not_to_have_attribute("aria-invalid", "true")


def test_settings_show_the_application_and_the_api_url_but_never_the_secret(page: Page, runner: LocalRunner) -> None:
    sign_in(page, runner)
    go_to(page, "Settings")
    expect(page.get_by_test_id("app-id")).to_have_text(runner.demo["app_id"])
    expect(page.get_by_test_id("api-key")).to_have_text(runner.demo["api_key"])
    expect(page.get_by_test_id("api-base-url")).to_have_text(runner.base_url)
    expect(page.locator("main")).not_to_contain_text(runner.demo["secret_key"])


def test_settings_show_the_points_policy(browser: Browser, runner: LocalRunner, http: HttpClient) -> None:
    # Given an application of its own, whose points policy was never set
    made = run_rewards("create-app", "--name", unique("policy"), env=runner.store_env)
    assert made.returncode == 0, made.stderr
    app = json.loads(made.stdout)
    page, errors = open_page(browser, runner, DESKTOP)
    sign_in_as(page, app["api_key"], app["secret_key"])
    go_to(page, "Settings")
    # Then the defaults are shown as such
    expect(page.get_by_test_id("expire-after-days")).to_have_text("never")
    expect(page.get_by_test_id("pending-days")).to_have_text("at once")
    expect(page.get_by_test_id("policy-time-zone")).to_have_text("UTC")
    expect(page.get_by_test_id("policy-updated")).to_have_text("never: the defaults apply")
    # When the policy is set through the API, the page shows it
    policy = {
        "expire_after_days": 365,
        "pending_days": 14,
        "return_policy": "allow_negative",
        "time_zone": "Asia/Tokyo",
    }
    response = http.request(
        "PUT", "/settings/points", json_body=policy, authorization=basic(app["api_key"], app["secret_key"])
    )
    assert response.status == 200, response.body
    page.reload()
    expect(page.get_by_test_id("expire-after-days")).to_have_text("365 days after the event")
    expect(page.get_by_test_id("pending-days")).to_have_text("14 days after the event")
    expect(page.get_by_test_id("return-policy")).to_have_text("a reversal may take the balance below zero")
    expect(page.get_by_test_id("policy-time-zone")).to_have_text("Asia/Tokyo")
    expect(page.get_by_test_id("policy-updated")).not_to_have_text(re.compile("never"))
    page.context.close()
    errors.assert_none()


@pytest.mark.parametrize(("viewport", "columns"), [({"width": 1366, "height": 768}, 2), (PHONE, 1)])
def test_the_overview_charts_are_readable_at_desktop_and_phone_width(
    browser: Browser, runner: LocalRunner, viewport: dict[str, int], columns: int
) -> None:
    page, errors = open_page(browser, runner, viewport)
    sign_in(page, runner)
    charts = page.locator("figure.chart")
    expect(charts).to_have_count(5)
    # Labels at the page's own text size (at least 12 px), plots tall enough to compare days, charts as
    # wide as the page allows: two a row on a desktop, one on a phone
    sizes = charts.locator(".y-axis span, .x-axis span").evaluate_all(
        "labels => labels.map((l) => parseFloat(getComputedStyle(l).fontSize))"
    )
    assert len(sizes) == 20
    assert min(sizes) >= 12, sizes
    plots = charts.locator(".plot").evaluate_all("plots => plots.map((p) => p.getBoundingClientRect().height)")
    assert min(plots) >= 150, plots
    main_width = page.locator("main").evaluate("m => m.clientWidth - 2 * parseFloat(getComputedStyle(m).paddingLeft)")
    boxes = charts.evaluate_all(
        "charts => charts.map((c) => [c.getBoundingClientRect().top, c.getBoundingClientRect().width])"
    )
    assert sum(1 for top, _ in boxes if top == boxes[0][0]) == columns, boxes
    assert min(width for _, width in boxes) * columns >= 0.9 * main_width, (boxes, main_width)
    screenshot(page, f"overview-{viewport['width']}")
    page.context.close()
    errors.assert_none()


def test_the_dashboard_has_an_icon(page: Page) -> None:
    page.goto("/dashboard")
    icon = page.locator('link[rel="icon"]')
    response = page.request.get(icon.evaluate("link => link.href"))
    assert response.status == 200
    assert response.headers["content-type"] == "image/svg+xml"


def test_the_overview_charts_the_last_30_days_with_a_table_of_the_same_figures(
    page: Page, runner: LocalRunner, http: HttpClient
) -> None:
    sign_in(page, runner)
    expect(page.locator("figure.chart")).to_have_count(5)
    table = page.get_by_role("table", name="Daily figures, last 30 days")
    expect(table.locator("tbody tr")).to_have_count(30)
    response = http.request("GET", "/stats", authorization=runner.demo_authorization)
    assert response.status == 200, response.body
    for day in response.json()["days"][-3:]:
        row = table.get_by_role("row", name=day["date"])
        expect(row.locator("td")).to_have_text(
            [
                f"{day[k]:,}"
                for k in ("points_credited", "points_debited", "coupons_redeemed", "rewards_redeemed", "new_customers")
            ]
        )
