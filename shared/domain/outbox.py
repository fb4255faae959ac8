"""The outbox: committed items, as the table's stream reports them, become domain events.

Only the stream announces (never a request path), so an event exists if and only if its change
committed: a cancelled transaction leaves no stream record, and a retried one that finds its own
marker writes nothing twice. Each event's id is a hash of what identifies the change (a ledger entry's
txn id, a customer's cust id, a rule completed by a customer, a window by its end), never of a sort
key's format: a redelivered stream record, or the same change seen again, carries the same id.

One translator per stored item type: an aggregate that should announce something adds one function
and one line in ``TRANSLATORS`` (and one stream filter pattern in template.yaml).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from shared import clock
from shared.domain.domain_events import (
    DATA_MODELS,
    CouponUsed,
    CustomerCreated,
    CustomerErased,
    EventData,
    LotMoved,
    OrderReturned,
    PointsMoved,
    PointsReversed,
    PointsSettled,
    ReturnedUnits,
    RewardGranted,
    RewardRedemption,
    RuleCompleted,
    TierChanged,
    WindowExpired,
)
from shared.entities.changes import ItemChange
from shared.entities.points import dated_lots
from shared.storage.orders import CANCEL_RETURN_ID
from shared.values import value_class

_ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID_LENGTH = 21


@value_class
class DomainEvent:
    id: str
    type: str
    created_at: str
    app_id: str
    data: dict[str, Any]

    def envelope(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "created_at": self.created_at,
            "app_id": self.app_id,
            "data": self.data,
        }

    def body(self) -> bytes:
        """The exact bytes sent (and signed): compact JSON, the envelope's field order."""
        return json.dumps(self.envelope(), separators=(",", ":"), ensure_ascii=False).encode()


def event_id(app_id: str, event_type: str, *identity: object) -> str:
    """``evt_`` plus 21 characters of SHA-256 over the tenant, the type and the change's identity."""
    digest = hashlib.sha256("|".join([app_id, event_type, *map(str, identity)]).encode()).digest()
    number = int.from_bytes(digest, "big")
    characters = []
    for _ in range(_ID_LENGTH):
        number, index = divmod(number, len(_ID_ALPHABET))
        characters.append(_ID_ALPHABET[index])
    return "evt_" + "".join(characters)


def _event(change: ItemChange, event_type: str, created_at: str, data: EventData, *identity: object) -> DomainEvent:
    assert isinstance(data, DATA_MODELS[event_type])
    return DomainEvent(
        id=event_id(change.app_id, event_type, *identity),
        type=event_type,
        created_at=created_at,
        app_id=change.app_id,
        data=data.model_dump(mode="json", exclude_none=True),
    )


def _customer(change: ItemChange, new: Mapping[str, Any]) -> list[DomainEvent]:
    if change.kind != "INSERT":
        return _erased(change, new)
    fields = {name: new.get(name) for name in CustomerCreated.model_fields}
    data = CustomerCreated.model_validate(
        fields | {"tags": new.get("tags") or None, "attributes": new.get("attributes") or None}
    )
    return [_event(change, "customer.created", new["created_at"], data, new["customer_id"])]


def _erased(change: ItemChange, new: Mapping[str, Any]) -> list[DomainEvent]:
    """A profile erased by this change (an erasure scrubbing it again keeps its first ``erased_at``)."""
    if "erased_at" not in new or "erased_at" in (change.old or {}):
        return []
    data = CustomerErased(customer_id=new["customer_id"], pseudonym=new["pseudonym"], erased_at=new["erased_at"])
    return [_event(change, "customer.erased", new["erased_at"], data, new["customer_id"])]


# A ledger entry's reason -> the event it announces; every other reason is a credit or a debit.
_SETTLEMENT_EVENTS = {"expiry": "points.expired", "activation": "points.activated"}


def _lots(lots: dict[str, int] | None) -> list[LotMoved]:
    return [
        LotMoved(points=lot.points, expires_at=lot.expires_at, activates_at=lot.activates_at)
        for lot in dated_lots(lots)
    ]


def _ledger_entry(change: ItemChange, new: Mapping[str, Any]) -> list[DomainEvent]:
    """One event per ledger entry that moved points (balance or pending): a reversal always (even one
    that found nothing to take back says so with its shortfall)."""
    points, pending = int(new.get("points", 0)), int(new.get("pending_points", 0))
    reason = new["reason"]
    reversal = reason in _REVERSAL_REASONS
    if change.kind != "INSERT" or (not points and not pending and not reversal):
        return []
    moved = {
        "source_id": new["source_id"],
        "transaction_id": new["txn_id"],
        "points": points,
        "balance_after": new["balance_after"],
        "pending_points": pending,
        "pending_after": int(new.get("pending_after", 0)),
    }
    data: EventData
    if reason in _SETTLEMENT_EVENTS:
        event_type = _SETTLEMENT_EVENTS[reason]
        data = PointsSettled(**moved, lots=_lots(new.get("lots")))
    elif reversal:
        event_type = "points.reversed"
        data = PointsReversed(
            **moved,
            reverses=new["reverses"],
            shortfall=int(new.get("shortfall", 0)),
            expired=int(new.get("expired", 0)),
            lots=_lots(new.get("lots")),
            description=new.get("description"),
            rule_id=new.get("rule_id"),
            order_id=new.get("order_id"),
            return_id=new.get("return_id"),
        )
    else:
        # A pending credit moves only pending points: still a credit.
        event_type = "points.credited" if points > 0 or pending > 0 else "points.debited"
        data = PointsMoved(
            **moved,
            reason=reason,
            campaign_id=new.get("campaign_id"),
            rule_id=new.get("rule_id"),
            event_name=new.get("event_name"),
            reward_id=new.get("reward_id"),
            description=new.get("description"),
            order_id=new.get("order_id"),
        )
    return [_event(change, event_type, new["created_at"], data, new["txn_id"])]


# A customer service reversal, and an order's take-back by a return or its cancel.
_REVERSAL_REASONS = frozenset({"reversal", "order_return"})


def _order(change: ItemChange, new: Mapping[str, Any]) -> list[DomainEvent]:
    """An order is rewritten once per return (or cancel), its ``returns`` one longer each time: the new
    return is the change (identified by order and return id, so a redelivery is one event)."""
    before = len((change.old or {}).get("returns", []))
    returns = new.get("returns", [])
    if len(returns) <= before:
        return []
    latest = returns[-1]
    products = [item["product_id"] for item in new["order"]["items"]]
    data = OrderReturned(
        source_id=new["source_id"],
        order_id=new["order_id"],
        return_id=latest["return_id"],
        items=[ReturnedUnits(product_id=products[int(i)], quantity=q) for i, q in latest["items"].items()],
        points=sum(sum(parts.values()) for parts in latest["taken"].values()),
        cancelled=latest["return_id"] == CANCEL_RETURN_ID,
    )
    return [_event(change, "order.returned", latest["created_at"], data, new["order_id"], latest["return_id"])]


def _tier_change(change: ItemChange, new: Mapping[str, Any]) -> list[DomainEvent]:
    """A tier change item is written once, keyed by what changed and when (shared/storage/keys.py)."""
    if change.kind != "INSERT":
        return []
    at = clock.iso_from_epoch_ms(int(new["at_ms"]))
    data = TierChanged(source_id=new["source_id"], previous=new["previous"], tier=new["tier"], at=at)
    return [_event(change, new["event_type"], at, data, new["source_id"], new["at_ms"], new["tier"])]


def _progress(change: ItemChange, new: Mapping[str, Any]) -> list[DomainEvent]:
    before = (change.old or {}).get("status")
    status = new.get("status")
    if status == before or status not in ("completed", "expired"):
        return []
    source_id, campaign_id, rule_id = new["source_id"], new["campaign_id"], new["rule_id"]
    if status == "completed":
        granted = new.get("reward")
        data: EventData = RuleCompleted(
            source_id=source_id,
            campaign_id=campaign_id,
            rule_id=rule_id,
            completed_at=clock.iso_from_epoch_ms(new["completed_at"] * 1000),
            reward=RewardGranted.model_validate(granted) if granted else None,
        )
        # A customer completes a rule once: that is the change's identity.
        return [_event(change, "rule.completed", new["updated_at"], data, source_id, campaign_id, rule_id)]
    data = WindowExpired(
        source_id=source_id,
        campaign_id=campaign_id,
        rule_id=rule_id,
        started_at=clock.iso_from_epoch_ms(new["start_time"] * 1000),
        ended_at=clock.iso_from_epoch_ms(new["end_time"] * 1000),
    )
    identity = (source_id, campaign_id, rule_id, new["start_time"], new["end_time"])
    return [_event(change, "window.expired", new["updated_at"], data, *identity)]


def _coupon_redemption(change: ItemChange, new: Mapping[str, Any]) -> list[DomainEvent]:
    """A redemption record is put when an order redeems a coupon (again, after a revert) and updated to
    ``reverted`` when the use is given back: each status change is one use or one revert."""
    status = new.get("status")
    if status == (change.old or {}).get("status"):
        return []
    data = CouponUsed(
        coupon_id=new["coupon_id"],
        coupon_code=new["coupon_code"],
        order_id=new["order_id"],
        source_id=new.get("source_id"),
        discount=new.get("discount"),
    )
    where = (new["coupon_id"], new["order_id"])
    if status == "completed":
        # The same order may redeem, revert and redeem again: each redeem request is its own change.
        return [_event(change, "coupon.redeemed", new["created_at"], data, *where, new["request_id"])]
    if status == "reverted":
        return [_event(change, "coupon.reverted", new["reverted_at"], data, *where, new["revert_request_id"])]
    return []


def _reward_redemption(change: ItemChange, new: Mapping[str, Any]) -> list[DomainEvent]:
    """A catalog redemption is written once (by a redeem, or by a campaign rule granting the reward) and
    cancelled at most once: the ``red_`` id identifies both changes."""
    data = RewardRedemption(
        source_id=new["source_id"],
        redemption_id=new["redemption_id"],
        reward_id=new["reward_id"],
        points=new.get("points"),
        coupon_code=new.get("code"),
        transaction_id=new.get("transaction_id"),
    )
    if change.kind == "INSERT" and new.get("status") == "completed":
        return [_event(change, "reward.redeemed", new["created_at"], data, new["redemption_id"])]
    if new.get("status") == "cancelled" and (change.old or {}).get("status") == "completed":
        cancelled = data.model_copy(update={"transaction_id": new.get("refund_transaction_id")})
        return [_event(change, "reward.redemption_cancelled", new["cancelled_at"], cancelled, new["redemption_id"])]
    return []


Translator = Callable[[ItemChange, Mapping[str, Any]], list[DomainEvent]]
# Stored item type -> its translator.
TRANSLATORS: dict[str, Translator] = {
    "customer": _customer,
    "ledger_entry": _ledger_entry,
    "progress": _progress,
    "coupon_redemption": _coupon_redemption,
    "redemption": _reward_redemption,
    "order": _order,
    "tier_change": _tier_change,
}


def events_of(change: ItemChange) -> list[DomainEvent]:
    """The events one committed write announces (none for most writes)."""
    if change.new is None:
        return []
    translator = TRANSLATORS.get(str(change.new.get("type")))
    return translator(change, change.new) if translator else []
