"""The rewards catalog in the dashboard as an operator uses it: the seeds' MATERIAL, CAMPAIGN and COIN
rewards created through the API and redeemed by a customer, each row showing what it gives, what is left,
how many were redeemed and whether members can get it; disabling and enabling from the row; an edit the
API refuses; pages of 20; a new application's empty catalog; the API failing, then recovering.

Every test names its rewards with a brand of its own and filters the catalog by it, so that the rewards
the other tests create (one runner serves them all) never change what it sees."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, Route, expect

from tests.browser.conftest import DESKTOP, PHONE, hold, open_page, screenshot
from tests.browser.test_dashboard import field, go_to, send_event, sign_in, sign_in_as
from tests.e2e.runner import HttpClient, LocalRunner, run_rewards
from tests.support.api import basic
from tests.support.rewards import SEED_002_COIN, SEED_002_MATERIAL, SEED_003, customer_path, seed_002_campaign

pytestmark = pytest.mark.xdist_group("browser")

POOL_CODES = 3
PAGE_SIZE = 20  # the dashboard's limit for every list


def api(http: HttpClient, runner: LocalRunner, method: str, path: str, body: Any = None) -> Any:
    response = http.request(method, path, json_body=body, authorization=runner.demo_authorization)
    assert response.status in (200, 201), f"{method} {path}: {response.status} {response.body!r}"
    return response.json()


def create_reward(http: HttpClient, runner: LocalRunner, body: dict[str, Any], brand: str) -> dict[str, Any]:
    created: dict[str, Any] = api(http, runner, "POST", "/rewards", {**body, "brand": brand})
    return created


def pool_coupon(http: HttpClient, runner: LocalRunner) -> str:
    coupon = api(http, runner, "POST", "/coupons", {"name": "$5 OFF pool", "discount": {"type": "amount", "value": 5}})
    prefix = uuid.uuid4().hex[:6].upper()
    codes = [f"{prefix}{n}" for n in range(POOL_CODES)]
    api(http, runner, "POST", f"/coupons/{coupon['coupon_id']}/codes", {"codes": codes})
    coupon_id: str = coupon["coupon_id"]
    return coupon_id


def customer_with_points(http: HttpClient, runner: LocalRunner, points: int) -> str:
    """A customer credited ``points`` by a one-rule campaign on an event of its own."""
    suffix = uuid.uuid4().hex[:8]
    event_name = f"bonus_{suffix}"
    rule = {
        "rule_name": "Bonus",
        "action_type": "RTA",
        "actions": [{"event_name": event_name, "target": 1}],
        "reward": {"type": "points", "points": points},
    }
    api(http, runner, "POST", "/campaigns", {"campaign_name": f"Bonus {suffix}", "rules": [rule]})
    source_id = f"kim-{suffix}"
    send_event(http, runner, source_id, event_name)
    return source_id


def every_member_reward(http: HttpClient, runner: LocalRunner, source_id: str) -> list[Any]:
    """The whole catalog as ``source_id`` sees it, explained, following the pages."""
    views: list[Any] = []
    cursor = ""
    while True:
        page = api(http, runner, "GET", f"{customer_path(source_id)}/rewards?explain=true&limit=100{cursor}")
        views += page["data"]
        if not page["has_more"]:
            return views
        cursor = f"&cursor={page['next_cursor']}"


def redeem(http: HttpClient, runner: LocalRunner, source_id: str, reward_id: str) -> None:
    api(http, runner, "POST", f"{customer_path(source_id)}/rewards/{reward_id}/redeem", {})


def open_catalog(page: Page, runner: LocalRunner, brand: str | None = None) -> Locator:
    """The Rewards page, filtered by ``brand``: its table's body rows."""
    sign_in(page, runner)
    go_to(page, "Rewards")
    if brand is not None:
        filter_by_brand(page, brand)
    return page.get_by_role("region", name="Rewards catalog").locator("tbody tr")


def filters(page: Page) -> Locator:
    return page.get_by_role("search", name="Filters")


def filter_by_brand(page: Page, brand: str) -> None:
    """The catalog of ``brand`` only: returns once the rows shown are that brand's (not the list before)."""
    filters(page).get_by_label("Brand").fill(brand)
    with page.expect_response(lambda response: f"brand={brand}" in response.url):
        filters(page).get_by_role("button", name="Filter by brand").click()
    catalog = page.get_by_role("region", name="Rewards catalog")
    expect(catalog).to_have_attribute("aria-busy", "false")
    expect(catalog.locator("tbody tr").filter(has_not_text=f"· brand {brand}")).to_have_count(0)


def row_of(page: Page, name: str) -> Locator:
    return (
        page.get_by_role("region", name="Rewards catalog")
        .get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name=name))
    )


def cells(row: Locator) -> Locator:
    """Type, Points, Stock, Redeemed, Status, Actions (the reward's name is the row header)."""
    return row.locator("td")


def loosely(text: str) -> re.Pattern[str]:
    """``text`` with any white space (a line break in the cell) where it has a space."""
    return re.compile("^" + r"\s+".join(re.escape(word) for word in text.split()) + "$")


def expect_row(row: Locator, texts: list[str]) -> None:
    expect(cells(row)).to_have_text([loosely(text) for text in texts], use_inner_text=True)


def status_of(row: Locator) -> Locator:
    return cells(row).nth(4)


def names_in(rows: Locator) -> set[str]:
    """The rewards' names: the first text of each row header (the id and brand follow it)."""
    names: list[str] = rows.evaluate_all("rows => rows.map((row) => row.querySelector('th').firstChild.textContent)")
    return set(names)


def test_the_seed_rewards_show_what_they_give_what_is_left_and_how_many_were_redeemed(
    page: Page, runner: LocalRunner, http: HttpClient
) -> None:
    # Given the seeds' three rewards: 70 headphones, a coupon from a pool of 3 codes for 500 points, coins
    brand = f"seed-{uuid.uuid4().hex[:6]}"
    material = create_reward(http, runner, SEED_002_MATERIAL, brand)
    coupon_id = pool_coupon(http, runner)
    campaign = create_reward(http, runner, {**seed_002_campaign(coupon_id), "points_to_be_redeemed": 500}, brand)
    coin = create_reward(http, runner, SEED_002_COIN, brand)
    # and a customer who redeemed the headphones and one coupon
    kim = customer_with_points(http, runner, 600)
    redeem(http, runner, kim, material["id"])
    redeem(http, runner, kim, campaign["id"])
    # When the operator opens the catalog of that brand
    rows = open_catalog(page, runner, brand)
    # Then each row says what the reward gives, its points, what is left, how many were redeemed, its status
    expect(rows).to_have_count(3)
    expect_row(
        row_of(page, "Headphones - Reward"),
        ["Material product prod_3ttSkdxGuAfcv3", "0", "69 of 70 left", "1", "active", "Edit Disable"],
    )
    expect_row(
        row_of(page, "40 USD"),
        [f"Coupon from a pool a code of coupon {coupon_id}", "500", "2 of 3 codes left", "1", "active", "Edit Disable"],
    )
    expect_row(
        row_of(page, "Pay with points - $50"),
        ["Coins 50 for every 2,000 points", "chosen", "unlimited", "0", "active", "Edit Disable"],
    )
    for reward in (material, campaign, coin):
        expect(row_of(page, reward["name"]).get_by_role("rowheader")).to_contain_text(f"{reward['id']} · brand {brand}")
    # The type filter narrows the same brand's catalog to one row
    filters(page).get_by_label("Type").select_option("COIN")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("rowheader")).to_contain_text("Pay with points - $50")
    filters(page).get_by_label("Type").select_option("")
    expect(rows).to_have_count(3)
    # usable at phone and desktop width: nothing but the scrolling table is wider than the screen
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size({"width": viewport["width"], "height": viewport["height"]})
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the catalog at {size} width is {overflow}px wider than the screen"
        screenshot(page, f"rewards-catalog-{size}")


def test_a_reward_members_cannot_get_says_why_although_it_is_active(
    page: Page, runner: LocalRunner, http: HttpClient
) -> None:
    # Given a reward whose only unit was redeemed, one whose time is over, one whose pool is empty
    brand = f"gone-{uuid.uuid4().hex[:6]}"
    last = create_reward(http, runner, {**SEED_002_MATERIAL, "name": "Last headphones", "stock": 1}, brand)
    redeem(http, runner, customer_with_points(http, runner, 10), last["id"])
    ended = {"start_time": "2024-04-09T21:05:30Z", "end_time": "2025-01-01T00:00:00Z"}
    create_reward(http, runner, {**SEED_002_MATERIAL, "name": "Last year's headphones", **ended}, brand)
    empty_pool = api(
        http, runner, "POST", "/coupons", {"name": "Empty pool", "discount": {"type": "amount", "value": 5}}
    )
    create_reward(http, runner, {**seed_002_campaign(empty_pool["coupon_id"]), "name": "No codes yet"}, brand)
    create_reward(http, runner, {**SEED_002_MATERIAL, "name": "Plenty of headphones"}, brand)
    # When the operator opens that brand's catalog
    open_catalog(page, runner, brand)
    # Then the active but unavailable ones say why, in the API's terms; the available one says nothing
    expect(status_of(row_of(page, "Last headphones"))).to_have_text(
        "active not available: out of stock", use_inner_text=True
    )
    expect(cells(row_of(page, "Last headphones")).nth(2)).to_have_text("0 of 1 left")
    expect(status_of(row_of(page, "Last year's headphones"))).to_have_text(
        re.compile(r"^active\s+not available: ended \S"), use_inner_text=True
    )
    expect(status_of(row_of(page, "No codes yet"))).to_have_text(
        "active not available: coupon pool empty", use_inner_text=True
    )
    expect(cells(row_of(page, "No codes yet")).nth(2)).to_have_text("0 of 0 codes left")
    expect(status_of(row_of(page, "Plenty of headphones"))).to_have_text("active", use_inner_text=True)
    # and the member's own view agrees: the API gives the same reasons for the first three
    member = customer_with_points(http, runner, 1)
    views = every_member_reward(http, runner, member)
    reasons = {v["reward"]["name"]: v["unavailable"] for v in views if v["reward"]["brand"] == brand}
    assert reasons["Last headphones"] == ["the reward is out of stock"]
    assert reasons["No codes yet"] == ["the reward's coupon pool is exhausted"]
    assert reasons["Last year's headphones"][0].startswith("the reward ended at")
    assert reasons["Plenty of headphones"] == []


def test_a_reward_is_disabled_and_enabled_from_its_row(page: Page, runner: LocalRunner, http: HttpClient) -> None:
    brand = f"toggle-{uuid.uuid4().hex[:6]}"
    reward = create_reward(http, runner, SEED_002_MATERIAL, brand)
    open_catalog(page, runner, brand)
    row = row_of(page, reward["name"])
    # When it is disabled, the row, the API and the Status filter say so
    row.get_by_role("button", name=f"Disable {reward['name']}").click()
    expect(page.get_by_role("status")).to_have_text(f"Reward {reward['name']} disabled")
    expect(row.locator(".status")).to_have_text("disabled")
    assert api(http, runner, "GET", f"/rewards/{reward['id']}")["is_active"] is False
    filters(page).get_by_label("Status").select_option("true")
    expect(page.get_by_text("No rewards match these filters.")).to_be_visible()
    filters(page).get_by_label("Status").select_option("false")
    expect(row.locator(".status")).to_have_text("disabled")
    # When it is enabled again, it leaves the disabled list, and is active in the API
    row.get_by_role("button", name=f"Enable {reward['name']}").click()
    expect(page.get_by_role("status")).to_have_text(f"Reward {reward['name']} enabled")
    expect(page.get_by_text("No rewards match these filters.")).to_be_visible()
    assert api(http, runner, "GET", f"/rewards/{reward['id']}")["is_active"] is True
    filters(page).get_by_label("Status").select_option("")
    expect(row.locator(".status")).to_have_text("active")


def test_an_edit_the_api_refuses_shows_its_message_next_to_the_field(
    page: Page, runner: LocalRunner, http: HttpClient
) -> None:
    # Given the headphones, one of them redeemed
    brand = f"edit-{uuid.uuid4().hex[:6]}"
    reward = create_reward(http, runner, SEED_002_MATERIAL, brand)
    redeem(http, runner, customer_with_points(http, runner, 10), reward["id"])
    open_catalog(page, runner, brand)
    row = row_of(page, reward["name"])
    row.get_by_role("button", name=f"Edit {reward['name']}").click()
    # When the stock is set below what was redeemed
    field(page, "stock").fill("0")
    page.get_by_role("button", name="Save reward").click()
    # Then the API's reason is next to the stock, and nothing changed
    expect(page.locator('[id="f-stock-error"]')).to_have_text(
        "stock: 1 already redeemed; stock cannot be less than that"
    )
    expect(field(page, "stock")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_have_text("Saving the reward failed: see the fields marked below.")
    expect(cells(row).nth(2)).to_have_text("69 of 70 left")
    # When a stock of 100 is saved, the row shows it
    field(page, "stock").fill("100")
    page.get_by_role("button", name="Save reward").click()
    expect(page.get_by_role("status")).to_have_text(f"Reward {reward['name']} saved ({reward['id']})")
    expect(cells(row).nth(2)).to_have_text("99 of 100 left")
    assert api(http, runner, "GET", f"/rewards/{reward['id']}")["stock"] == 100


def test_an_edit_keeps_the_settings_the_form_does_not_show(page: Page, runner: LocalRunner, http: HttpClient) -> None:
    # Given seed 003's reward (an image, a payment config, translations) and seed 002's pool reward
    brand = f"keep-{uuid.uuid4().hex[:6]}"
    intouch = create_reward(http, runner, SEED_003, brand)
    coupon = create_reward(http, runner, seed_002_campaign(pool_coupon(http, runner)), brand)
    open_catalog(page, runner, brand)
    # When each is edited through the form: a stock, a points cost and a description
    row_of(page, intouch["name"]).get_by_role("button", name=f"Edit {intouch['name']}").click()
    field(page, "stock").fill("5")
    field(page, "attributes.description").fill("Now five of them")
    page.get_by_role("button", name="Save reward").click()
    expect(page.get_by_role("status")).to_contain_text(f"Reward {intouch['name']} saved")
    row_of(page, coupon["name"]).get_by_role("button", name=f"Edit {coupon['name']}").click()
    field(page, "points_to_be_redeemed").fill("400")
    page.get_by_role("button", name="Save reward").click()
    expect(cells(row_of(page, coupon["name"])).nth(1)).to_have_text("400")
    # Then what was changed is saved, and what the form does not show is as it was
    saved = api(http, runner, "GET", f"/rewards/{intouch['id']}")
    assert saved["stock"] == 5
    assert saved["attributes"] == {**SEED_003["attributes"], "description": "Now five of them"}
    assert saved["parameters"] == SEED_003["parameters"]
    assert (saved["payment_configs"], saved["translations"]) == (intouch["payment_configs"], intouch["translations"])
    saved = api(http, runner, "GET", f"/rewards/{coupon['id']}")
    assert saved["points_to_be_redeemed"] == 400
    assert saved["parameters"] == coupon["parameters"]
    assert saved["parameters"]["campaign"]["type"] == "DISCOUNT_COUPONS"


def test_the_catalog_pages_by_20(page: Page, runner: LocalRunner, http: HttpClient) -> None:
    # Given 21 rewards of one brand
    brand = f"pages-{uuid.uuid4().hex[:6]}"
    names = {create_reward(http, runner, {**SEED_002_COIN, "name": f"Coins {n:02d}"}, brand)["name"] for n in range(21)}
    rows = open_catalog(page, runner, brand)
    pager = page.get_by_role("group", name="Reward pages")
    # Then the first page has 20, and only Next is possible
    expect(rows).to_have_count(PAGE_SIZE)
    expect(pager.get_by_role("button", name="Previous page")).to_be_disabled()
    first = names_in(rows)
    # When the next page is opened, both buttons wait for it (the list shown is still the first page's)
    wait_for, release = hold(page, "cursor=")
    pager.get_by_role("button", name="Next page").click()
    wait_for(1)
    expect(pager.get_by_role("button", name="Next page")).to_be_disabled()
    expect(pager.get_by_role("button", name="Previous page")).to_be_disabled()
    release()
    page.unroute_all()
    # and it has the one left, and Next is no longer possible
    expect(rows).to_have_count(1)
    expect(pager.get_by_role("button", name="Next page")).to_be_disabled()
    second = names_in(rows)
    assert first | second == names
    assert not first & second
    # and Previous comes back to the first 20
    pager.get_by_role("button", name="Previous page").click()
    expect(rows).to_have_count(PAGE_SIZE)
    # A brand with no rewards: no rows, no pages
    filter_by_brand(page, f"none-{uuid.uuid4().hex[:6]}")
    expect(page.get_by_text("No rewards match these filters.")).to_be_visible()
    expect(rows).to_have_count(0)
    expect(pager.get_by_role("button", name="Next page")).to_be_disabled()


def test_a_new_application_sees_an_empty_catalog(browser: Browser, runner: LocalRunner, http: HttpClient) -> None:
    created = run_rewards("create-app", "--name", f"empty-{uuid.uuid4().hex[:6]}", env=runner.store_env)
    assert created.returncode == 0, created.stderr
    app = json.loads(created.stdout)
    # (while the demo application has rewards: the empty page is this application's, not a missing list)
    create_reward(http, runner, SEED_002_MATERIAL, f"demo-{uuid.uuid4().hex[:6]}")
    page, errors = open_page(browser, runner, DESKTOP)
    sign_in_as(page, app["api_key"], app["secret_key"])
    go_to(page, "Rewards")
    catalog = page.get_by_role("region", name="Rewards catalog")
    expect(catalog).to_contain_text("No rewards yet: create the first one below.")
    expect(catalog.locator("tbody tr")).to_have_count(0)
    screenshot(page, "rewards-empty-desktop")
    # and the first one, created through the form, is listed
    field(page, "name").fill("First headphones")
    field(page, "parameters.product.id").fill("prod_first")
    field(page, "stock").fill("5")
    page.get_by_role("button", name="Create reward").click()
    expect(cells(row_of(page, "First headphones")).nth(2)).to_have_text("5 of 5 left")
    listed = http.request("GET", "/rewards", authorization=basic(app["api_key"], app["secret_key"])).json()["data"]
    assert [(r["name"], r["stock"]) for r in listed] == [("First headphones", 5)]
    page.context.close()
    errors.assert_none()


def test_the_api_failing_is_shown_and_the_catalog_comes_back_on_retry(
    browser: Browser, runner: LocalRunner, http: HttpClient
) -> None:
    brand = f"fail-{uuid.uuid4().hex[:6]}"
    reward = create_reward(http, runner, SEED_002_MATERIAL, brand)
    page, errors = open_page(browser, runner, DESKTOP)
    rows = open_catalog(page, runner, brand)
    expect(rows).to_have_count(1)

    # When the API answers 503 to the catalog (a throttled or failing deployment)
    def unavailable(route: Route) -> None:
        body = {
            "statusCode": 503,
            "key": "service_unavailable",
            "message": "Service unavailable",
            "details": "try later",
        }
        route.fulfill(status=503, content_type="application/json", body=json.dumps(body))

    def catalog_read(url: str) -> bool:
        return "/rewards?" in url

    page.route(catalog_read, unavailable)
    filters(page).get_by_label("Type").select_option("MATERIAL")
    # Then the API's message is shown, and no stale rows pretend to be the filtered catalog
    expect(page.get_by_role("alert")).to_have_text("Service unavailable: try later")
    expect(rows).to_have_count(0)
    screenshot(page, "rewards-error-desktop")
    # When the API is back, Try again shows the catalog, without the message
    page.unroute(catalog_read)
    page.get_by_role("button", name="Try again").click()
    expect(rows).to_have_count(1)
    expect(row_of(page, reward["name"])).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    page.context.close()
    # the only errors are the browser's log of the one 503 answer
    unexpected = [e for e in errors.seen if "the server responded with a status of 503" not in e]
    assert not unexpected, unexpected
    assert len(errors.seen) == 1, errors.seen


def test_a_customers_redemption_is_cancelled_from_the_customer_page(
    page: Page, runner: LocalRunner, http: HttpClient
) -> None:
    # Given a customer of 600 points who took the headphones and a 500-point coupon from a pool of 3
    brand = f"cancel-{uuid.uuid4().hex[:6]}"
    material = create_reward(http, runner, SEED_002_MATERIAL, brand)
    campaign = create_reward(
        http, runner, {**seed_002_campaign(pool_coupon(http, runner)), "points_to_be_redeemed": 500}, brand
    )
    kim = customer_with_points(http, runner, 600)
    redeem(http, runner, kim, material["id"])
    redeem(http, runner, kim, campaign["id"])
    # When the operator looks the customer up
    sign_in(page, runner)
    page.goto(f"/dashboard#/customers/{kim}")
    expect(page.get_by_test_id("balance")).to_have_text("100")
    redemptions = page.get_by_role("region", name="Reward redemptions")
    coupon_row = redemptions.get_by_role("row").filter(has=page.get_by_role("rowheader", name="40 USD"))
    headphones_row = redemptions.get_by_role("row").filter(has=page.get_by_role("rowheader", name=material["name"]))
    # Then both redemptions are listed, with their points and what they issued
    expect(redemptions.locator("tbody tr")).to_have_count(2)
    expect(headphones_row.locator("td").nth(1)).to_have_text("0")
    expect(headphones_row.locator("td").nth(2)).to_have_text("product prod_3ttSkdxGuAfcv3")
    expect(coupon_row.locator("td").nth(1)).to_have_text("500")
    expect(coupon_row.locator("td").nth(2)).to_have_text(re.compile(r"^code \w+$"))
    screenshot(page, "customer-redemptions-desktop")
    # When the coupon's redemption is cancelled
    redemption_id = coupon_row.get_by_role("rowheader").locator("small").inner_text()
    coupon_row.get_by_role("button", name=f"Cancel redemption {redemption_id}").click()
    # Then it is cancelled (no second cancel offered), the points are back, the headphones untouched
    expect(coupon_row.locator("td").nth(3)).to_contain_text("cancelled")
    expect(coupon_row.get_by_role("button")).to_have_count(0)
    expect(page.get_by_test_id("balance")).to_have_text("600")
    expect(headphones_row.get_by_role("button", name=re.compile("^Cancel redemption"))).to_be_visible()
    listed = api(http, runner, "GET", f"{customer_path(kim)}/rewards/redemptions")["data"]
    assert {r["id"]: r["status"] for r in listed}[redemption_id] == "cancelled"
    # and the catalog counts one redemption less; the voided code is never handed out again
    go_to(page, "Rewards")
    filter_by_brand(page, brand)
    expect(cells(row_of(page, "40 USD")).nth(2)).to_have_text("2 of 3 codes left")
    expect(cells(row_of(page, "40 USD")).nth(3)).to_have_text("0")
    expect(cells(row_of(page, material["name"])).nth(2)).to_have_text("69 of 70 left")


def test_the_customer_page_explains_every_reward_a_page_at_a_time(
    page: Page, runner: LocalRunner, http: HttpClient
) -> None:
    # Given a catalog of more than one page (20 rewards a page), one reward 400 points beyond a member's 100
    brand = f"pages-{uuid.uuid4().hex[:6]}"
    for n in range(21):
        create_reward(http, runner, {**SEED_002_MATERIAL, "name": f"Page filler {n}"}, brand)
    target = create_reward(
        http, runner, {**SEED_002_MATERIAL, "name": "Dear headphones", "points_to_be_redeemed": 500}, brand
    )
    member = customer_with_points(http, runner, 100)
    catalog = every_member_reward(http, runner, member)
    assert len(catalog) > 20
    position = [v["reward"]["id"] for v in catalog].index(target["id"])
    # When the operator opens the member's page
    sign_in(page, runner)
    page.goto(f"/dashboard#/customers/{member}")
    rewards = page.get_by_role("region", name="Rewards", exact=True)
    pager = page.get_by_role("group", name="Customer reward pages")
    # Then the first page shows 20 rewards, and the pages lead to the one asked about, explained
    expect(rewards.locator("tbody tr")).to_have_count(20)
    expect(pager.get_by_role("button", name="Previous page")).to_be_disabled()
    for _ in range(position // 20):
        shown_first = rewards.locator("tbody tr").first.inner_text()
        pager.get_by_role("button", name="Next page").click()
        # the next page is in (inner text on both sides: text content runs the cells together)
        expect(rewards.locator("tbody tr").first).not_to_have_text(shown_first, use_inner_text=True)
    row = rewards.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Dear headphones", exact=True))
    expect(row.locator("td").nth(0)).to_have_text("500")
    expect(row.locator("td").nth(1)).to_have_text("yes")
    expect(row.locator("td").nth(2)).to_have_text("Eligible now, but 400 points short")
    expect(rewards.locator("tbody tr")).to_have_count(min(20, len(catalog) - position // 20 * 20))
