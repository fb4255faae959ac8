"""Firing requests at the same instant through the in-process gateway.

``fire_together`` runs each call on its own thread, all released together by one ``threading.Barrier``,
and returns the results in order. The gateway's ``FunctionPool`` gives each concurrent invocation its
own instance of the handler module, as Lambda does; ``warm_up`` loads those instances beforehand, so
that the burst is not spread out by cold starts. Every moto call is atomic (one lock around its
dispatch), as each DynamoDB request is: what interleaves is the requests' calls, which is where races are.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from rewards_cli import apigw
from rewards_cli.gateway import HttpResponse, LocalGateway
from tests.support.api import ApiClient

DEFAULT_TIMEOUT = 60.0


def fire_together[T](calls: Sequence[Callable[[], T]], *, timeout: float = DEFAULT_TIMEOUT) -> list[T]:
    """Run every call on its own thread, released together; their results in order. An exception in a
    call is raised here (the first one, with the others as notes) once every thread has finished."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[tuple[int, BaseException]] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            barrier.wait(timeout)
            results[index] = calls[index]()
        except BaseException as error:  # reported to the caller below
            with lock:
                errors.append((index, error))

    threads = [threading.Thread(target=run, args=(i,), name=f"fire-{i}", daemon=True) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    if any(thread.is_alive() for thread in threads):
        running = sum(t.is_alive() for t in threads)
        raise TimeoutError(f"{running} of {len(threads)} calls still running after {timeout}s")
    if errors:
        errors.sort(key=lambda found: found[0])
        first = errors[0][1]
        for index, other in errors[1:]:
            first.add_note(f"call {index} also failed: {other!r}")
        raise first
    return results


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def send(self, client: ApiClient) -> HttpResponse:
        if self.body is None:
            return client.request(self.method, self.path, headers=self.headers)
        return client.request(self.method, self.path, json_body=self.body, headers=self.headers)


def send_together(client: ApiClient, requests: Sequence[Request], *, warm: bool = True) -> list[HttpResponse]:
    """Send ``requests`` at once as ``client``'s application; their responses in order."""
    if warm:
        warm_up(client.gateway, [(r.method, r.path) for r in requests])
    return fire_together([partial(request.send, client) for request in requests])


def warm_up(gateway: LocalGateway, routes: Sequence[tuple[str, str]]) -> None:
    """Load one instance of the authorizer and of the route's function per request, by invoking them all
    at once with events they answer without touching the table (no credentials; a route not served)."""
    authorizer = gateway.template.functions[gateway.template.authorizer.function_id]
    event = apigw.proxy_event(method="OPTIONS", resource="/warm-up", path="/warm-up")
    invocations: list[Callable[[], Any]] = []
    for method, path in routes:
        found = gateway.template.find_route(method, path.partition("?")[0])
        if found is not None:
            invocations.append(partial(gateway.pool.invoke, found[0], dict(event)))
        invocations.append(partial(gateway.pool.invoke, authorizer, apigw.authorizer_event(event)))
    fire_together(invocations)
