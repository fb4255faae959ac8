"""Which committed item changes announce which events (pure: no store)."""

from __future__ import annotations

from typing import Any

from shared.domain.outbox import event_id, events_of
from shared.entities.changes import ItemChange

APP = "app_a"
ENTRY: dict[str, Any] = {
    "type": "ledger_entry",
    "txn_id": "txn_1",
    "source_id": "KMN@123",
    "points": -250,
    "balance_after": 750,
    "reason": "reward_redemption",
    "reward_id": "rew_1",
    "created_at": "2026-01-01T00:00:00.000Z",
}
PROGRESS: dict[str, Any] = {
    "type": "progress",
    "source_id": "KMN@123",
    "campaign_id": "camp_1",
    "rule_id": "valr_1",
    "status": "active",
    "start_time": 100,
    "end_time": 200,
    "updated_at": "2026-01-01T00:00:00.000Z",
}


def test_a_debit_is_announced_as_points_debited() -> None:
    (debited,) = events_of(ItemChange(APP, "INSERT", None, ENTRY))
    assert (debited.type, debited.id) == ("points.debited", event_id(APP, "points.debited", "txn_1"))
    assert debited.data["points"] == -250
    assert debited.data["reward_id"] == "rew_1"
    assert "campaign_id" not in debited.data


def test_a_ledger_entry_is_announced_only_when_inserted() -> None:
    assert events_of(ItemChange(APP, "MODIFY", ENTRY, ENTRY)) == []
    assert events_of(ItemChange(APP, "REMOVE", ENTRY, None)) == []


def test_a_window_is_announced_expired_only_on_the_transition() -> None:
    expired = PROGRESS | {"status": "expired"}
    (announced,) = events_of(ItemChange(APP, "MODIFY", PROGRESS, expired))
    assert announced.type == "window.expired"
    assert (announced.data["started_at"], announced.data["ended_at"]) == (
        "1970-01-01T00:01:40.000Z",
        "1970-01-01T00:03:20.000Z",
    ), "the window's epoch seconds, announced as ISO times"
    assert events_of(ItemChange(APP, "MODIFY", expired, expired | {"version": 9})) == []
    assert events_of(ItemChange(APP, "MODIFY", PROGRESS, PROGRESS | {"counts": [1, 0]})) == []


def test_a_completion_is_announced_once_whether_inserted_or_modified() -> None:
    completed = PROGRESS | {
        "status": "completed",
        "completed_at": 150,
        "reward": {"type": "coupon", "coupon_id": "coupm_1"},
    }
    (inserted,) = events_of(ItemChange(APP, "INSERT", None, completed))
    (modified,) = events_of(ItemChange(APP, "MODIFY", PROGRESS, completed))
    assert inserted == modified
    assert inserted.data["reward"] == {"type": "coupon", "coupon_id": "coupm_1"}
    assert inserted.data["completed_at"] == "1970-01-01T00:02:30.000Z"
    assert events_of(ItemChange(APP, "MODIFY", completed, completed)) == []


def test_items_without_a_translator_announce_nothing() -> None:
    assert events_of(ItemChange(APP, "INSERT", None, {"type": "webhook_delivery"})) == []
    assert events_of(ItemChange(APP, "INSERT", None, {"type": "referee_marker"})) == []


def _entry(reason: str, points: int, pending_points: int = 0, **more: Any) -> dict[str, Any]:
    return ENTRY | {"reason": reason, "points": points, "pending_points": pending_points, "pending_after": 0} | more


def test_each_ledger_reason_announces_its_points_event() -> None:
    cases: list[tuple[str, int, int, dict[str, Any]]] = [
        ("rule_completion", 100, 0, {}),
        ("rule_completion", 0, 40, {}),  # a pending credit: points 0, pending_points the amount
        ("adjustment", -5, 0, {}),
        ("expiry", -30, 0, {"lots": {"0:20010": -30}}),
        ("expiry", 0, -8, {"lots": {"20005:20010": -8}}),  # pending points that expired before activating
        ("activation", 40, -40, {"lots": {"20005:0": 40}}),
        ("reversal", 0, 0, {"reverses": "txn_0", "shortfall": 12}),  # nothing left to take: still announced
        ("activation", 0, 0, {}),
    ]
    announced = {
        (reason, points, pending): [
            e.type for e in events_of(ItemChange(APP, "INSERT", None, _entry(reason, points, pending, **extra)))
        ]
        for reason, points, pending, extra in cases
    }
    assert announced == {
        ("rule_completion", 100, 0): ["points.credited"],
        ("rule_completion", 0, 40): ["points.credited"],
        ("adjustment", -5, 0): ["points.debited"],
        ("expiry", -30, 0): ["points.expired"],
        ("expiry", 0, -8): ["points.expired"],
        ("activation", 40, -40): ["points.activated"],
        ("reversal", 0, 0): ["points.reversed"],
        ("activation", 0, 0): [],
    }


def test_an_expiry_names_its_lots_leaving_out_what_is_never_set() -> None:
    (expired,) = events_of(
        ItemChange(APP, "INSERT", None, _entry("expiry", -30, -8, lots={"0:20010": -30, "20005:20010": -8}))
    )
    assert expired.id == event_id(APP, "points.expired", "txn_1")
    assert expired.data["lots"] == [
        {"points": -30, "expires_at": "2024-10-14T00:00:00.000Z"},
        {"points": -8, "expires_at": "2024-10-14T00:00:00.000Z", "activates_at": "2024-10-09T00:00:00.000Z"},
    ]
