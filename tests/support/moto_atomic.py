"""moto dispatches requests without locking; real DynamoDB applies each request atomically. One lock
around moto's dispatch gives tests the real semantics (see FIELD-NOTES: a counter went below zero)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.core.botocore_stubber import BotocoreStubber

from rewards_cli import moto_adapter

moto_adapter.install()

_dispatch_lock = threading.RLock()


@contextmanager
def atomic_moto_dispatch() -> Iterator[None]:
    original = BotocoreStubber.process_request

    def process_request(self: BotocoreStubber, request: Any) -> Any:
        with _dispatch_lock:
            return original(self, request)

    BotocoreStubber.process_request = process_request  # type: ignore[method-assign]
    try:
        yield
    finally:
        BotocoreStubber.process_request = original  # type: ignore[method-assign]
