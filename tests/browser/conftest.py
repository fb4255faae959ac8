"""The dashboard in a real browser: `rewards dev` as a subprocess (tests/e2e/runner.py), Debian's Chromium
driven by Playwright, and every page checked for JavaScript errors (a CSP violation is one).

All browser tests run on one xdist worker (each module's ``pytestmark`` names the group ``browser``;
`make test` uses ``--dist loadgroup``), so that one runner and one browser serve them all.
Screenshots go to tests/browser/screenshots/ (git-ignored).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Playwright, Route, sync_playwright

from tests.e2e.runner import HttpClient, LocalRunner

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
HELD_WAIT_SECONDS = 10


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRunner]:
    with LocalRunner(tmp_path_factory.mktemp("dashboard") / "dynamodb.json", table_name="rewards-browser") as runner:
        yield runner
        assert runner.running, f"the runner died during the tests:\n{runner.output}"


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def http(runner: LocalRunner) -> HttpClient:
    return runner.client()


class JsErrors:
    """Uncaught exceptions and console errors of a page (CSP violations are reported as console errors)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.seen.append(f"console: {message.text}")

    def page_error(self, error: Error) -> None:
        self.seen.append(f"uncaught: {error}")

    def assert_none(self) -> None:
        # Chromium logs every 4xx answer of the API (a wrong sign-in, an unknown customer) as a console
        # error: that is the network log, not a script failing; the page shows those answers itself.
        unexpected = [e for e in self.seen if "the server responded with a status of 4" not in e]
        assert not unexpected, "JavaScript errors:\n" + "\n".join(unexpected)


def open_page(browser: Browser, runner: LocalRunner, viewport: dict[str, int]) -> tuple[Page, JsErrors]:
    context = browser.new_context(viewport=viewport, base_url=runner.base_url)  # type: ignore[arg-type]
    page = context.new_page()
    errors = JsErrors()
    page.on("console", errors.console)
    page.on("pageerror", errors.page_error)
    page.set_default_timeout(15_000)
    return page, errors


@pytest.fixture
def page(browser: Browser, runner: LocalRunner) -> Iterator[Page]:
    """A fresh tab (its own sessionStorage) at desktop width; the test fails on any JavaScript error."""
    page, errors = open_page(browser, runner, DESKTOP)
    yield page
    page.context.close()
    errors.assert_none()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def hold(page: Page, fragment: str) -> tuple[Callable[[int], None], Callable[[], None]]:
    """The page's requests whose URL holds ``fragment`` wait until released: (wait_for(count), release())."""
    held: list[Route] = []

    def keep(route: Route) -> None:  # (Playwright cannot take the bound method itself as a handler)
        held.append(route)

    page.route(lambda url: fragment in url, keep)

    def wait_for(count: int) -> None:
        deadline = time.monotonic() + HELD_WAIT_SECONDS
        while len(held) < count and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        assert len(held) >= count, [r.request.url for r in held]

    def release() -> None:
        while held:
            held.pop().continue_()

    return wait_for, release
