"""Helpers of the points tests: the policy, adjustments and reversals through the API, a frozen clock, and
a customer's points as the API and the store show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count
from typing import Any

import pytest

from rewards_cli.gateway import HttpResponse
from tests.support.api import ApiClient
from tests.support.rewards import customer_path, points_campaign

DAY_MS = 86_400_000
_campaigns = count(1)


def set_policy(api: ApiClient, **policy: Any) -> dict[str, Any]:
    response = api.put("/settings/points", policy)
    assert response.status == 200, response.body
    body: dict[str, Any] = response.json()
    return body


def adjust(
    api: ApiClient, source_id: str, points: int, reason: str = "Customer service", **kwargs: Any
) -> HttpResponse:
    return api.post(f"{customer_path(source_id)}/transactions", {"points": points, "reason": reason}, **kwargs)


def credit(api: ApiClient, source_id: str, points: int) -> dict[str, Any]:
    """A customer-service credit that must succeed: its transaction."""
    response = adjust(api, source_id, points, "Goodwill")
    assert response.status == 201, response.body
    entry: dict[str, Any] = response.json()
    return entry


def reverse(api: ApiClient, source_id: str, txn_id: str, points: int | None = None, **kwargs: Any) -> HttpResponse:
    body = {} if points is None else {"points": points}
    return api.post(f"{customer_path(source_id)}/transactions/{txn_id}/reverse", body, **kwargs)


def points_of(api: ApiClient, source_id: str) -> dict[str, Any]:
    response = api.get(customer_path(source_id))
    assert response.status == 200, response.body
    points: dict[str, Any] = response.json()["points"]
    return points


def transactions(api: ApiClient, source_id: str, **query: str) -> list[dict[str, Any]]:
    """Every entry of a customer's ledger (of a ``reason`` when given), newest first, through its pages."""
    entries: list[dict[str, Any]] = []
    params = {"limit": "100", **query}
    while True:
        response = api.get(f"{customer_path(source_id)}/transactions", query=params)
        assert response.status == 200, response.body
        page = response.json()
        entries += page["data"]
        if not page["next_cursor"]:
            return entries
        params = {**params, "cursor": page["next_cursor"]}


def stored_lots(api: ApiClient, source_id: str) -> dict[str, int]:
    """The customer's lots as the store holds them (not shown by the API but through ``expiring``)."""
    from shared.storage import points

    profile, _ = points.read(api.credentials.app_id, source_id, [])
    assert profile is not None
    return {key.encode(): amount for key, amount in profile.wallet.lots.items()}


def day_end_iso(epoch_ms: int) -> str:
    """The end of the UTC day of ``epoch_ms`` (the next midnight; a midnight itself stays), as the API shows it."""
    day = -(-epoch_ms // DAY_MS)
    return datetime.fromtimestamp(day * DAY_MS / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class FrozenClock:
    """The engine's time, moved only by the test."""

    ms: int

    def advance(self, days: float = 0, hours: float = 0) -> None:
        self.ms += int(days * DAY_MS + hours * 3_600_000)

    def iso(self) -> str:
        return datetime.fromtimestamp(self.ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# Noon UTC, so that "in N days" never crosses a day boundary by a few milliseconds of test time.
NOON = int(datetime(2026, 3, 10, 12, tzinfo=UTC).timestamp() * 1000)


def freeze_clock(monkeypatch: pytest.MonkeyPatch, start_ms: int = NOON) -> FrozenClock:
    from shared import clock

    frozen = FrozenClock(start_ms)
    monkeypatch.setattr(clock, "now_epoch_ms", lambda: frozen.ms)
    monkeypatch.setattr(clock, "now_epoch", lambda: frozen.ms // 1000)
    return frozen


def earn(api: ApiClient, source_id: str, points: int, timestamp: int | None = None, **reward: Any) -> dict[str, Any]:
    """Points earned through the campaign engine (a one-rule campaign on an event of its own), the event
    at ``timestamp`` (epoch seconds; now when None); ``reward``: the rule's own expire_after_days or
    pending_days. The granted reward of the event's answer."""
    event_name = f"earn_{next(_campaigns)}"
    created = api.post("/campaigns", points_campaign(event_name, points, **reward))
    assert created.status == 201, created.body
    body: dict[str, Any] = {"source_id": source_id, "event_name": event_name, "properties": {}}
    if timestamp is not None:
        body["timestamp"] = timestamp
    sent = api.post("/events", body)
    assert sent.status == 200, sent.body
    (granted,) = sent.json()["rewards"]
    assert isinstance(granted, dict)
    return granted
