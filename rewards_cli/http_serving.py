"""Serving HTTP/1.1 the way a real server does, for the API and for the embedded DynamoDB.

The standard library's servers listen with a backlog of 5 (40 concurrent clients got 15 connection
resets) and start one thread per connection without bound. Here the backlog is deep, a bounded pool of
worker threads serves connections, and a keep-alive connection waiting for its next request gives its
worker back as soon as other connections are queued (the client reconnects, as HTTP clients do when an
idle connection is closed), or after ``KEEP_ALIVE_SECONDS`` of silence.
"""

from __future__ import annotations

import re
import select
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from email.message import Message
from http.server import BaseHTTPRequestHandler
from socketserver import BaseServer
from typing import Any

LISTEN_BACKLOG = 1024  # the kernel caps it at net.core.somaxconn
KEEP_ALIVE_SECONDS = 15.0
# How long an idle keep-alive connection may keep its worker while other connections wait.
IDLE_WHILE_OTHERS_WAIT_SECONDS = 0.05
_POLL_SECONDS = 0.05
# How long a body may take to arrive once its headers have: a client that announced more bytes than
# it sends gets its 400 then, instead of holding a worker forever.
BODY_SECONDS = 10.0
_DIGITS = re.compile(r"[0-9]+")  # ASCII digits only (``int`` also reads "+5", "-1", "1_0" and other scripts' digits)
_BEYOND_ANY_LIMIT = 10**18  # what a longer number of digits stands for (``int`` refuses 4,301 digits)


class BadFraming(Exception):
    """The request's body cannot be delimited (Content-Length unusable, or the body shorter than it
    says): a 400, after which the connection is closed, since where the next request starts is unknown."""


def content_length(headers: Message) -> int:
    """The body's length in bytes as the one Content-Length header gives it (0 without one)."""
    values = headers.get_all("Content-Length") or []
    if len(values) > 1:
        raise BadFraming("Content-Length appears more than once")
    if not values:
        return 0
    value = values[0].strip(" \t")
    if not _DIGITS.fullmatch(value):
        raise BadFraming("Content-Length must be a number of bytes")
    return int(value) if len(value) <= 18 else _BEYOND_ANY_LIMIT


def read_body(handler: BaseHTTPRequestHandler, length: int) -> bytes:
    """Exactly ``length`` bytes of body, or BadFraming if the client sends fewer (closing or pausing)."""
    if not length:
        return b""
    handler.connection.settimeout(BODY_SECONDS)
    try:
        body = handler.rfile.read(length)
    except TimeoutError:
        body = b""
    finally:
        handler.connection.settimeout(handler.timeout)
    if len(body) < length:
        raise BadFraming(f"the body is shorter than its Content-Length ({length} bytes)")
    return body


class PooledServerMixin(BaseServer):
    """Put before a ``socketserver.TCPServer`` subclass; call ``start_pool`` before serving."""

    request_queue_size = LISTEN_BACKLOG
    allow_reuse_address = True

    def start_pool(self, workers: int, name: str) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._queued = 0
        self._queued_lock = threading.Lock()
        self.closing = False

    @property
    def others_waiting(self) -> bool:
        return self._queued > 0

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._queued_lock:
            self._queued += 1
        try:
            self._pool.submit(self._serve_connection, request, client_address)
        except RuntimeError:  # the pool is shut down: the server is stopping
            with self._queued_lock:
                self._queued -= 1
            self.shutdown_request(request)

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        with self._queued_lock:
            self._queued -= 1
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)

    def server_close(self) -> None:
        """Stop serving: idle connections close within a poll, queued ones are dropped, and the
        requests in flight finish (the caller waits for them with ``wait_idle``)."""
        self.closing = True
        super().server_close()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def wait_idle(self, timeout: float) -> bool:
        """Wait for the workers to finish their connections; False if some are still busy at ``timeout``."""
        finished = threading.Event()

        def wait() -> None:
            self._pool.shutdown(wait=True)
            finished.set()

        threading.Thread(target=wait, daemon=True, name="stop-wait").start()
        return finished.wait(timeout)


class KeepAliveHandlerMixin(BaseHTTPRequestHandler):
    """Serves a connection's requests one after another, giving the worker up when idle (see module doc)."""

    server: PooledServerMixin
    # Headers and body are written separately: Nagle's algorithm and delayed ACKs would add 40 ms.
    disable_nagle_algorithm = True

    def handle(self) -> None:
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection and self._next_request_arrives():
            self.handle_one_request()

    def _next_request_arrives(self) -> bool:
        started = time.monotonic()
        while (idle := time.monotonic() - started) < KEEP_ALIVE_SECONDS:
            if self.server.closing or (self.server.others_waiting and idle >= IDLE_WHILE_OTHERS_WAIT_SECONDS):
                return False
            try:
                readable, _, _ = select.select([self.connection], [], [], _POLL_SECONDS)
            except (OSError, ValueError):
                return False
            if readable:
                return True
        return False
