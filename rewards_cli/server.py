"""The local HTTP server: every request goes through the in-process gateway (authorizer, then function).
Connections are served by a bounded pool of threads behind a deep listen backlog (rewards_cli/http_serving.py)."""

from __future__ import annotations

import json
from collections import defaultdict
from http.server import HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rewards_cli.gateway import HttpResponse, LocalGateway
from rewards_cli.http_serving import BadFraming, KeepAliveHandlerMixin, PooledServerMixin, content_length, read_body
from rewards_cli.openapi import build_spec
from rewards_cli.swagger import swagger_responses

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
WORKERS = 32


class ApiServer(PooledServerMixin, HTTPServer):
    pass


def make_server(host: str, port: int, gateway: LocalGateway) -> ApiServer:
    spec = json.dumps(build_spec()).encode()
    documentation = swagger_responses()

    class Handler(KeepAliveHandlerMixin):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            url = urlsplit(self.path)
            if self.command == "GET" and url.path == "/openapi.json":
                self._send(HttpResponse(200, [("Content-Type", "application/json")], spec))
                return
            page = documentation.get(url.path.rstrip("/")) if self.command == "GET" else None
            if page is not None:
                self._send(page)
                return
            context = {"requestId": "local", "httpMethod": self.command, "path": url.path}
            try:
                length = content_length(self.headers)
                if length > MAX_BODY_BYTES:
                    self._send(gateway.gateway_response("REQUEST_TOO_LARGE", context), close=True)
                    return
                raw = read_body(self, length)
            except BadFraming as error:
                self._send(gateway.gateway_response("DEFAULT_4XX", context, message=str(error)), close=True)
                return
            headers: dict[str, list[str]] = defaultdict(list)
            for name, value in self.headers.items():
                headers[name].append(value)
            query = parse_qs(url.query, keep_blank_values=True) if url.query else None
            body = raw.decode("utf-8", errors="replace") if raw else None
            self._send(gateway.handle(self.command, url.path, query, headers, body))

        def _send(self, response: HttpResponse, close: bool = False) -> None:
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            # Other connections are queued for a worker: this client reconnects for its next request.
            if close or self.server.others_waiting:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(response.body)

        do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ApiServer((host, port), Handler)
    server.start_pool(WORKERS, "api")
    return server
