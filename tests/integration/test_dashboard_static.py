"""The dashboard's static files through the gateway: public (no credentials, no table), served only from
the function's own folder, with strict security headers, and no inline script anywhere."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from rewards_cli.gateway import LocalGateway
from rewards_cli.template import PROJECT_ROOT
from shared.api.static import CONTENT_SECURITY_POLICY

STATIC = PROJECT_ROOT / "functions" / "dashboard" / "static"
FILES = sorted(p.name for p in STATIC.iterdir() if p.is_file())
VENDORED = "preact-htm-3.1.1.mjs"


def get(gateway: LocalGateway, path: str, authorization: str | None = None) -> tuple[int, dict[str, str], str]:
    headers = {"Authorization": [authorization]} if authorization else None
    response = gateway.handle("GET", path, None, headers, None)
    return response.status, {k.lower(): v for k, v in response.headers}, response.body.decode()


def test_the_page_is_served_without_credentials_with_strict_headers(gateway: LocalGateway) -> None:
    status, headers, body = get(gateway, "/dashboard")
    assert status == 200, body
    assert headers["content-type"] == "text/html; charset=utf-8"
    csp = dict(part.split(" ", 1) for part in headers["content-security-policy"].split("; "))
    assert csp["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval', no other origin
    assert csp["frame-ancestors"] == "'none'"
    assert csp["default-src"] == "'none'"
    assert csp["connect-src"] == "'self'"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-request-id"]
    assert '<script type="module" src="dashboard/app.js"></script>' in body


@pytest.mark.parametrize("name", FILES)
def test_every_file_is_served_with_its_type_and_the_same_headers(gateway: LocalGateway, name: str) -> None:
    status, headers, body = get(gateway, f"/dashboard/{name}")
    assert status == 200, body
    expected = {
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".css": "text/css",
        ".html": "text/html",
        ".svg": "image/svg+xml",
    }
    assert headers["content-type"].startswith(expected.get(Path(name).suffix, "text/plain")), headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert body == (STATIC / name).read_text()


@pytest.mark.parametrize(
    "path", ["/dashboard/nothing.js", "/dashboard/..%2Ftemplate.yaml", "/dashboard/..%2F..%2Fshared%2Fsettings.py"]
)
def test_nothing_outside_the_folder_is_served(gateway: LocalGateway, path: str) -> None:
    status, _, body = get(gateway, path)
    assert status == 404, body
    assert '"key":"not_found"' in body.replace(" ", "")


def test_the_slash_and_deeper_paths_are_not_routes(gateway: LocalGateway) -> None:
    assert get(gateway, "/dashboard/")[0] == 404
    assert get(gateway, "/dashboard/a/b.js")[0] == 404


def test_credentials_sent_anyway_are_never_checked(gateway: LocalGateway) -> None:
    # a browser that has signed in may send them; a wrong one must not break loading the page
    assert get(gateway, "/dashboard", "Basic d3Jvbmc6d3Jvbmc=")[0] == 200


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.problems.append("inline <script>")
        self.problems += [f"inline handler {n}" for n in names if n.startswith("on")]
        if "style" in names:
            self.problems.append("inline style attribute")
        for link in (names.get("src"), names.get("href")):
            if link and re.match(r"^(https?:)?//", link):
                self.problems.append(f"another origin: {link}")


def test_no_inline_script_or_style_and_nothing_from_another_origin() -> None:
    parser = _Scripts()
    parser.feed((STATIC / "index.html").read_text())
    assert parser.problems == []
    code = (STATIC / "app.js").read_text()
    assert re.findall(r"""from\s+["']([^"']+)["']""", code) == [f"./{VENDORED}"]
    assert not re.search(r"https?://", code), "the app fetches nothing from another origin"
    assert not re.search(r"\beval\(|new Function\(|innerHTML", code)


def test_the_vendored_library_ships_with_its_licences() -> None:
    licence = (STATIC / "preact-htm-3.1.1.LICENSE.txt").read_text()
    assert "Apache License" in licence
    assert "The MIT License" in licence
    assert "export{" in (STATIC / VENDORED).read_text()
