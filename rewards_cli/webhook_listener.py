"""``rewards webhooks listen``: a local webhook receiver that prints what arrives and verifies each
signature with the webhook's secret, as a merchant's endpoint would. The tests receive with it too."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO

from rewards_cli.http_serving import BadFraming, content_length, read_body
from shared.domain.webhooks import EVENT_ID_HEADER, SIGNATURE_HEADER, verify


@dataclass(frozen=True, slots=True)
class Arrival:
    event_id: str
    signature: str
    body: bytes
    verified: bool | None  # None without a secret to check against
    answered: int
    received_at: float  # time.monotonic()

    def envelope(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


class WebhookListener:
    """Answers every POST with ``status`` (change it to make the engine retry) and keeps what came."""

    def __init__(self, port: int = 0, secret: str | None = None, status: int = 200, out: TextIO | None = None) -> None:
        self.secret, self.status, self.out = secret, status, out
        self.arrivals: list[Arrival] = []
        self._lock = threading.Lock()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                try:
                    body = read_body(self, content_length(self.headers))
                except BadFraming:
                    self.send_error(400, "Content-Length and body do not agree")
                    return
                signature = self.headers.get(SIGNATURE_HEADER) or ""
                secret = listener.secret
                verified = verify(secret, signature, body, int(time.time())) if secret else None
                event_id = self.headers.get(EVENT_ID_HEADER) or ""
                arrival = Arrival(event_id, signature, body, verified, listener.status, time.monotonic())
                with listener._lock:
                    listener.arrivals.append(arrival)
                listener._print(arrival)
                self.send_response(listener.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/webhooks"

    def _print(self, arrival: Arrival) -> None:
        if self.out is None:
            return
        check = {True: "signature ok", False: "SIGNATURE INVALID", None: "signature not checked (no --secret)"}
        try:
            kind = arrival.envelope().get("type")
        except ValueError:
            kind = "?"
        print(f"{arrival.event_id} {kind} -> {arrival.answered}  [{check[arrival.verified]}]", file=self.out)
        print(arrival.body.decode(errors="replace"), file=self.out, flush=True)

    def start(self) -> WebhookListener:
        threading.Thread(target=self._server.serve_forever, daemon=True, name="webhook-listener").start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
