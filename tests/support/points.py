"""Helpers of the points tests: the policy, adjustments and reversals through the API, a frozen clock, and
a customer's points as the API and the store show them (``points_of``: tests/support/point_lots.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from rewards_cli.gateway import HttpResponse
from tests.support.api import ApiClient
from tests.support.point_lots import stored_wallet
from tests.support.rewards import customer_path

DAY_MS = 86_400_000


def set_policy(api: ApiClient, **policy: Any) -> dict[str, Any]:
    response = api.put("/settings/points", policy)
    assert response.status == 200, response.body
    body: dict[str, Any] = response.json()
    return body


def adjust(
    api: ApiClient, source_id: str, points: int, description: str = "Customer service", **kwargs: Any
) -> HttpResponse:
    return api.post(
        f"{customer_path(source_id)}/transactions", {"points": points, "description": description}, **kwargs
    )


def credit(api: ApiClient, source_id: str, points: int) -> dict[str, Any]:
    """A customer-service credit that must succeed: its transaction."""
    response = adjust(api, source_id, points, "Goodwill")
    assert response.status == 201, response.body
    entry: dict[str, Any] = response.json()
    return entry


def reverse(api: ApiClient, source_id: str, txn_id: str, points: int | None = None, **kwargs: Any) -> HttpResponse:
    body = {} if points is None else {"points": points}
    return api.post(f"{customer_path(source_id)}/transactions/{txn_id}/reverse", body, **kwargs)


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
    return {key.encode(): amount for key, amount in stored_wallet(api.credentials.app_id, source_id).lots.items()}


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
