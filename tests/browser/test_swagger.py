"""Swagger UI on the local runner with the network off: every request that leaves the runner is refused by
the browser, and the page still renders every operation and webhook of openapi.json, without a CSP violation."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Route, expect

from rewards_cli.openapi import SPEC_PATH
from tests.browser.conftest import DESKTOP, open_page
from tests.e2e.runner import LocalRunner

pytestmark = pytest.mark.xdist_group("browser")


def test_swagger_ui_renders_every_operation_with_the_network_off(browser: Browser, runner: LocalRunner) -> None:
    # Given a browser that can reach the runner and nothing else
    page, errors = open_page(browser, runner, DESKTOP)
    local = urlsplit(runner.base_url).netloc
    refused: list[str] = []

    def offline(route: Route) -> None:
        if urlsplit(route.request.url).netloc == local:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    page.context.route("**/*", offline)
    # When Swagger UI is opened
    page.goto("/swagger")
    # Then it shows every operation and every webhook of the document, and asked for nothing outside the runner
    spec = json.loads(SPEC_PATH.read_text())
    operations = sum(len(item) for section in ("paths", "webhooks") for item in spec[section].values())
    expect(page.locator(".opblock")).to_have_count(operations)
    expect(page.locator(".opblock-summary-path", has_text="/campaigns/reward-progress").first).to_be_visible()
    # and an operation can be tried from it under the CSP, signed in through its Authorize dialog
    page.locator(".auth-wrapper").get_by_role("button", name="Authorize").click()
    dialog = page.locator(".modal-ux")
    dialog.locator("#auth-basic-username").fill(runner.demo["api_key"])
    dialog.locator("#auth-basic-password").fill(runner.demo["secret_key"])
    dialog.get_by_role("button", name="Apply credentials").click()
    dialog.get_by_role("button", name="Close").click()
    operation = page.locator("#operations-Settings-getPointsPolicy")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table tbody .response-col_status")).to_have_text("200")
    assert refused == []
    page.context.close()
    errors.assert_none()
