"""Swagger UI on the local runner, from the copy of swagger-ui-dist that the swagger-ui-py package ships
(pinned in pyproject.toml): nothing is loaded from another origin, so it works offline, and it is served
with the dashboard's security headers (no inline script or style, `connect-src 'self'`).

Only the files named here are served; `/favicon.ico` answers with the dashboard's icon.
"""

from __future__ import annotations

from importlib.resources import files

from rewards_cli.gateway import HttpResponse
from rewards_cli.template import PROJECT_ROOT
from shared.api.static import CONTENT_TYPES, SECURITY_HEADERS

SWAGGER_UI_DIST = files("swagger_ui") / "static"
FAVICON = PROJECT_ROOT / "functions" / "dashboard" / "static" / "favicon.svg"

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Rewards engine API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<link rel="stylesheet" href="/swagger/swagger-ui.css"></head>
<body><div id="swagger"></div>
<script src="/swagger/swagger-ui-bundle.js"></script>
<script src="/swagger/start.js"></script>
</body></html>
"""
# validatorUrl null: Swagger UI would otherwise send the document to an online validator for its badge.
START = 'SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger", validatorUrl: null, deepLinking: true});\n'


def _response(content_type: str, body: bytes) -> HttpResponse:
    return HttpResponse(200, [("Content-Type", content_type), *SECURITY_HEADERS.items()], body)


def swagger_responses() -> dict[str, HttpResponse]:
    """The answer to each GET path the runner serves beside the API."""
    return {
        "/swagger": _response(CONTENT_TYPES[".html"], PAGE.encode()),
        "/swagger/swagger-ui.css": _response(CONTENT_TYPES[".css"], (SWAGGER_UI_DIST / "swagger-ui.css").read_bytes()),
        "/swagger/swagger-ui-bundle.js": _response(
            CONTENT_TYPES[".js"], (SWAGGER_UI_DIST / "swagger-ui-bundle.js").read_bytes()
        ),
        "/swagger/start.js": _response(CONTENT_TYPES[".js"], START.encode()),
        "/favicon.ico": _response(CONTENT_TYPES[".svg"], FAVICON.read_bytes()),
    }
