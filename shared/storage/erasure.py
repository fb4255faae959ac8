"""What the engine holds about one customer, read family by family, and the writes that erase it.

Erasure keeps the keys and scrubs the fields (README, "A customer's data and erasure"): the customer's
items stay in its partition, so its ledger keeps summing to the tenant's totals and later requests for the
same source_id meet the erased profile rather than a new customer. The profile loses every personal field
in one conditional update, in a transaction with the deletion of its referral code item; webhook
deliveries whose body names the customer get a body without the event's data, each conditioned on the
body it replaces, so a retried erase rewrites nothing twice.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

from shared.errors import ValidationFailed
from shared.storage import customers, dynamodb, keys, pagination, tiers, webhooks
from shared.storage.customers import PROFILE_FIELDS, CustomerRecord
from shared.storage.dynamodb import (
    ConditionFailed,
    Delete,
    Expression,
    Item,
    TransactAction,
    TransactionCancelled,
    Update,
)
from shared.values import value_class

# Sections of the customer's partition an export shows, by sort key prefix. Left out: the markers of
# applied deliveries, redeem requests, transaction ids and referees counted by a rule (bookkeeping that
# repeats what the ledger, the redemptions and the referrals show).
PARTITION_SECTIONS = {
    "progress": keys.PROGRESS_SK_PREFIX,
    "ledger": keys.TRANSACTION_SK_PREFIX,
    "reward_redemptions": keys.REDEMPTION_SK_PREFIX,
    "coupons": keys.CUSTOMER_COUPON_SK_PREFIX,
    "referrals": keys.REFERRAL_SK_PREFIX,
}
# Attributes of an item that are the table's (keys, index keys, the item's kind), not the customer's data.
_TABLE_ATTRIBUTES = keys.TABLE_KEY_ATTRIBUTES | {"type"}
# Removed from the profile on erasure: the personal fields and both referral links.
ERASED_FIELDS = (*PROFILE_FIELDS, "referred_by", "referral_code")
# A tier override's reason is free text that may name the person; the override itself (a tier and a date)
# is the merchant's decision and stays.
OVERRIDE_REASON = "reason"


def holds_override_reason(profile: CustomerRecord) -> bool:
    return bool(profile.tier_override and profile.tier_override.get(OVERRIDE_REASON))


def _shown(item: Item) -> dict[str, Any]:
    return {name: value for name, value in item.items() if name not in _TABLE_ATTRIBUTES}


def section_page(
    app_id: str, source_id: str, section: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a section of the customer's partition, oldest first."""
    items, next_cursor = pagination.page(
        keys.customer_partition(app_id, source_id), PARTITION_SECTIONS[section], limit, cursor
    )
    return [_shown(item) for item in items], next_cursor


# --- webhook deliveries naming the customer ---
# Deliveries live in their webhook's log, not in the customer's partition: finding a customer's means
# reading the logs (30 days each, at most 20 webhooks) and keeping the bodies whose data names it.


@value_class
class DeliveryScan:
    """Deliveries naming the customer among those read, and where to read on (None: every log read)."""

    found: list[webhooks.DeliveryRecord]
    next_cursor: str | None


def _names_customer(delivery: webhooks.DeliveryRecord, source_id: str) -> bool:
    try:
        data = json.loads(delivery.body).get("data")
    except (ValueError, AttributeError):
        return False
    return isinstance(data, dict) and data.get("source_id") == source_id


def _scan_cursor(webhook_id: str, delivery_cursor: str | None) -> str:
    return pagination.cursor_for(json.dumps([webhook_id, delivery_cursor]))


def _scan_start(app_id: str, cursor: str | None) -> tuple[list[str], str | None]:
    """The webhook ids still to read (the cursor's first) and the cursor within the first one's log."""
    webhook_ids = sorted(webhook.webhook_id for webhook in webhooks.every_webhook(app_id))
    if cursor is None:
        return webhook_ids, None
    try:
        webhook_id, delivery_cursor = json.loads(pagination.sort_key_of(cursor, ""))
    except (ValueError, TypeError) as error:
        raise ValidationFailed("cursor: is not a cursor this API returned") from error
    if webhook_id not in webhook_ids or not (delivery_cursor is None or isinstance(delivery_cursor, str)):
        raise ValidationFailed("cursor: is not a cursor this API returned")
    return webhook_ids[webhook_ids.index(webhook_id) :], delivery_cursor


def scan_deliveries(app_id: str, source_id: str, budget: int, cursor: str | None, wanted: int) -> DeliveryScan:
    """From where ``cursor`` stopped, reads pages of the logs until about ``budget`` deliveries are read or
    ``wanted`` are found (never more: the last page read is no longer than what is still wanted)."""
    remaining, delivery_cursor = _scan_start(app_id, cursor)
    found: list[webhooks.DeliveryRecord] = []
    read = 0
    while remaining:
        if read >= budget or len(found) == wanted:
            return DeliveryScan(found, _scan_cursor(remaining[0], delivery_cursor))
        size = min(100, wanted - len(found))
        deliveries, delivery_cursor = webhooks.page_deliveries(app_id, remaining[0], size, delivery_cursor)
        read += len(deliveries)
        found += [delivery for delivery in deliveries if _names_customer(delivery, source_id)]
        if delivery_cursor is None:
            remaining = remaining[1:]
    return DeliveryScan(found, None)


def deliveries_naming(app_id: str, source_id: str) -> Iterator[webhooks.DeliveryRecord]:
    """Every delivery whose body names the customer, log after log."""
    cursor: str | None = None
    while True:
        scan = scan_deliveries(app_id, source_id, 1_000, cursor, wanted=100)
        yield from scan.found
        if scan.next_cursor is None:
            return
        cursor = scan.next_cursor


def purge_delivery(app_id: str, delivery: webhooks.DeliveryRecord, body: str) -> bool:
    """Replace the body, if it is still the one read; False when another writer changed it first."""
    try:
        dynamodb.update_item(
            keys.webhook_delivery(app_id, delivery.webhook_id, delivery.delivery_id),
            Expression("SET body = :purged", values={":purged": body}),
            condition=Expression("body = :seen", values={":seen": delivery.body}),
        )
    except ConditionFailed:
        return False
    return True


# --- the profile ---


def erasure_salt(app_id: str) -> str:
    """The application's key for pseudonyms: made on its first erasure, never shown by any answer."""
    item = dynamodb.get_item(keys.application(app_id)) or {}
    if "erasure_salt" not in item:
        item = dynamodb.update_item(
            keys.application(app_id),
            Expression("SET erasure_salt = if_not_exists(erasure_salt, :new)", values={":new": secrets.token_hex(32)}),
            condition=Expression("attribute_exists(PK)"),
        )
    salt: str = item["erasure_salt"]
    return salt


class ProfileChanged(Exception):
    """The profile was removed or its referral code changed hands since it was read: read it again."""


def scrub_profile(app_id: str, profile: CustomerRecord, pseudonym: str, now: str) -> None:
    """Remove the personal fields and referral links, mark the profile erased (the first erasure's time
    stays) and move its index entry out of the listed shards; the referral code item goes with it; the
    application's last erasure is ``now`` (exports made before it withhold their files)."""
    erased_entry = keys.erased_customers_entry(app_id, pseudonym)
    removed = {f"#f{index}": name for index, name in enumerate(ERASED_FIELDS)}
    paths = list(removed)
    condition = "#type = :customer_type"
    if holds_override_reason(profile):
        # conditioned on it: a path under an override removed meanwhile would fail the whole update
        removed |= {"#override": "tier_override", "#reason": OVERRIDE_REASON}
        paths.append("#override.#reason")
        condition += " AND attribute_exists(#override.#reason)"
    update = Expression(
        "SET erased_at = if_not_exists(erased_at, :now), pseudonym = :pseudonym, updated_at = :now, "
        f"{keys.CUSTOMERS_PK} = :erased_pk, {keys.CUSTOMERS_SK} = :pseudonym, "
        "profile_version = if_not_exists(profile_version, :zero) + :one REMOVE " + ", ".join(paths),
        removed,
        {":now": now, ":pseudonym": pseudonym, ":erased_pk": erased_entry[keys.CUSTOMERS_PK], ":zero": 0, ":one": 1},
    )
    # the member leaves the tier distribution: its tier state goes, with its place on the tier-due index
    held = (profile.tier_state or {}).get("held")
    if held is not None:
        update = Expression(update.text + ", tier_state", update.names, update.values)
    counted = customers.held_is(held)
    is_profile = Expression(
        f"{condition} AND {counted.text}", {"#type": "type"}, {":customer_type": "customer"} | counted.values
    )
    # the application's last erasure moves forward only (a concurrent, earlier one read again lands after it)
    last = Expression("SET erased_at = :now", values={":now": now})
    later = Expression("attribute_not_exists(erased_at) OR erased_at <= :now", values={":now": now})
    actions: list[TransactAction] = [
        Update(keys.customer(app_id, profile.source_id), update, condition=is_profile),
        Update(keys.last_erasure(app_id), last, condition=later),
    ]
    if held is not None:
        actions += [tiers.due_write(app_id, profile.source_id, None)]
        actions += tiers.member_moves(app_id, profile.source_id, held, None)
    if profile.referred_by is not None:
        actions.append(Delete(keys.referral(app_id, profile.referred_by, profile.source_id)))
    if profile.referral_code is not None:
        actions.append(
            Delete(
                keys.referral_code(app_id, profile.referral_code),
                condition=Expression(
                    "attribute_not_exists(PK) OR source_id = :source_id", values={":source_id": profile.source_id}
                ),
            )
        )
    try:
        dynamodb.transact_write(actions)
    except TransactionCancelled as error:
        raise ProfileChanged from error


def cut_referrals(app_id: str, referrer: str) -> None:
    """The referees of an erased referrer no longer name it: their ``referred_by`` goes (only where it
    still names the referrer), then the mark; a retried erasure finds what is left."""
    partition = keys.customer_partition(app_id, referrer)
    while True:
        marks, _ = pagination.page(partition, keys.REFERRAL_SK_PREFIX, 100, None, consistent=True)
        for mark in marks:
            forget = Delete({keys.PK: mark[keys.PK], keys.SK: mark[keys.SK]})
            unlink = Update(
                keys.customer(app_id, mark["referee"]),
                Expression("REMOVE referred_by"),
                condition=Expression("referred_by = :referrer", values={":referrer": referrer}),
            )
            try:
                dynamodb.transact_write([unlink, forget])
            except TransactionCancelled:
                dynamodb.transact_write([forget])  # the referee no longer names the referrer: only the mark goes
        if not marks:
            return
