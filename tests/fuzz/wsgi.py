"""A WSGI face on the in-process gateway, so that HTTP tools (schemathesis, werkzeug's test client) can
call the API in process: each WSGI request becomes one ``LocalGateway.handle`` call, which builds the
real API Gateway event, runs the authorizer, then the route's function. ``/openapi.json`` is served
the way the local HTTP server serves it.

The app exists before any table does (schemathesis loads the spec at collection time); a test attaches
a gateway over its moto table with ``serving``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from rewards_cli.gateway import HttpResponse, LocalGateway

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
SPEC_PATH = "/openapi.json"
_UNPREFIXED_HEADERS = {"CONTENT_TYPE": "Content-Type", "CONTENT_LENGTH": "Content-Length"}


def _header_name(environ_key: str) -> str | None:
    if environ_key in _UNPREFIXED_HEADERS:
        return _UNPREFIXED_HEADERS[environ_key]
    if environ_key.startswith("HTTP_"):
        return "-".join(part.capitalize() for part in environ_key[5:].split("_"))
    return None


def _raw_path(environ: dict[str, Any]) -> str:
    """The path as sent on the wire (still percent-encoded), which is what the local HTTP server passes."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if isinstance(raw, str) and raw:
        return urlsplit(raw).path
    # PATH_INFO is decoded and carried as latin-1 by WSGI: encode it again.
    path_info: str = environ.get("PATH_INFO") or "/"
    return quote(path_info.encode("latin-1"), safe="/:@!$&'()*+,;=")


class GatewayWsgiApp:
    def __init__(self, spec: dict[str, Any]) -> None:
        self._spec = json.dumps(spec).encode()
        self._gateway: LocalGateway | None = None

    @contextmanager
    def serving(self, gateway: LocalGateway) -> Iterator[GatewayWsgiApp]:
        self._gateway = gateway
        try:
            yield self
        finally:
            self._gateway = None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        response = self._respond(environ)
        reason = HTTPStatus(response.status).phrase if response.status in HTTPStatus else "Unknown"
        start_response(f"{response.status} {reason}", list(response.headers))
        return [response.body]

    def _respond(self, environ: dict[str, Any]) -> HttpResponse:
        method: str = environ["REQUEST_METHOD"]
        path = _raw_path(environ)
        if method == "GET" and path == SPEC_PATH:
            return HttpResponse(200, [("Content-Type", "application/json")], self._spec)
        if self._gateway is None:
            raise RuntimeError("no gateway attached: use GatewayWsgiApp.serving(gateway)")
        headers: dict[str, list[str]] = defaultdict(list)
        for key, value in environ.items():
            name = _header_name(key)
            if name is not None and isinstance(value, str) and value:
                headers[name].append(value)
        query_string: str = environ.get("QUERY_STRING") or ""
        query = parse_qs(query_string, keep_blank_values=True) if query_string else None
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw_body: bytes = environ["wsgi.input"].read(length) if length else b""
        body = raw_body.decode("utf-8", errors="replace") if raw_body else None
        return self._gateway.handle(method, path, query, headers, body)
