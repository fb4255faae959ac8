"""A customer's data (a subject access request) and its erasure.

The export is a bounded document with a cursor per section: the profile and the first
``EXPORT_PAGE_LIMIT`` items of each section; asking for one section with its cursor pages it on. Webhook
deliveries are not in the customer's partition: each answer reads about ``DELIVERY_SCAN_BUDGET`` of them
at most and shows at most ``EXPORT_PAGE_LIMIT``, so that section may come back empty with a cursor while
the logs are read on.

Erasure removes the personal fields and referral links, keeps the points and the ledger (amounts stay,
so the application's totals do not move), names the customer by a pseudonym where the answer or an
event shows it, and purges the bodies of the webhook deliveries that name it. The pseudonym is
``anon_`` and an HMAC-SHA256 of the application and the source_id, keyed with a random key the
application gets on its first erasure (never shown): the same customer always gets the same pseudonym,
and nobody without the key can tell whose it is, not even by trying candidate source_ids. Erasing again
finds nothing personal and writes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import field
from typing import Any, Literal, get_args

from shared import clock
from shared.domain.customers import get_customer
from shared.domain.tier_members import customer_with_tier
from shared.domain.tiers import TierView
from shared.errors import ServiceUnavailable, ValidationFailed
from shared.retries import retries
from shared.storage import erasure
from shared.storage.customers import CustomerRecord
from shared.storage.webhooks import DeliveryRecord
from shared.values import value_class

EXPORT_PAGE_LIMIT = 100
DELIVERY_SCAN_BUDGET = 1_000
WEBHOOK_DELIVERIES = "webhook_deliveries"
# The sections of the customer's partition (shared/storage/erasure.py), then the deliveries naming it.
Section = Literal["progress", "ledger", "reward_redemptions", "coupons", "referrals", "webhook_deliveries"]
SECTIONS: tuple[Section, ...] = get_args(Section)
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_PSEUDONYM_LENGTH = 21


@value_class
class ExportSection:
    items: list[dict[str, Any]]
    next_cursor: str | None


@value_class
class CustomerExport:
    profile: CustomerRecord
    tier: TierView | None  # as GET /customers/{source_id} shows it: with a program, computed now
    sections: dict[Section, ExportSection] = field(default_factory=dict)


@value_class
class Erasure:
    customer_id: str
    pseudonym: str
    erased_at: str


def pseudonym_of(salt: str, app_id: str, source_id: str) -> str:
    number = int.from_bytes(hmac.new(salt.encode(), f"{app_id}|{source_id}".encode(), hashlib.sha256).digest())
    characters = []
    for _ in range(_PSEUDONYM_LENGTH):
        number, index = divmod(number, len(_ALPHABET))
        characters.append(_ALPHABET[index])
    return "anon_" + "".join(characters)


def export_customer(app_id: str, source_id: str, section: Section | None, cursor: str | None) -> CustomerExport:
    """Every section's first page, or with ``section`` that section's page after ``cursor``."""
    if cursor is not None and section is None:
        raise ValidationFailed("cursor: a cursor pages one section: send section as well")
    profile, tier = customer_with_tier(app_id, source_id)
    wanted: tuple[Section, ...] = (section,) if section is not None else SECTIONS
    return CustomerExport(profile, tier, {name: _section(app_id, source_id, name, cursor) for name in wanted})


def _section(app_id: str, source_id: str, section: str, cursor: str | None) -> ExportSection:
    if section == WEBHOOK_DELIVERIES:
        scan = erasure.scan_deliveries(app_id, source_id, DELIVERY_SCAN_BUDGET, cursor, EXPORT_PAGE_LIMIT)
        return ExportSection([_delivery(delivery) for delivery in scan.found], scan.next_cursor)
    return ExportSection(*erasure.section_page(app_id, source_id, section, EXPORT_PAGE_LIMIT, cursor))


def _delivery(delivery: DeliveryRecord) -> dict[str, Any]:
    return {
        "delivery_id": delivery.delivery_id,
        "webhook_id": delivery.webhook_id,
        "event_type": delivery.event_type,
        "created_at": delivery.created_at,
        "status": delivery.status,
        "event": json.loads(delivery.body),
    }


def erase_customer(app_id: str, source_id: str) -> Erasure:
    """Idempotent: a second erasure answers the same and writes nothing. An unknown customer is a 404."""
    for _ in retries():
        # read again after each scrub: done once the stored profile is erased and holds nothing personal
        profile = get_customer(app_id, source_id)
        done = _done(profile)
        if done is not None:
            break
        pseudonym = pseudonym_of(erasure.erasure_salt(app_id), app_id, source_id)
        try:
            erasure.scrub_profile(app_id, profile, pseudonym, clock.now_iso())
        except erasure.ProfileChanged:
            continue
    else:
        raise ServiceUnavailable
    erasure.cut_referrals(app_id, source_id)
    for delivery in erasure.deliveries_naming(app_id, source_id):
        erasure.purge_delivery(app_id, delivery, _purged_body(delivery, done.pseudonym))
    return done


def _done(profile: CustomerRecord) -> Erasure | None:
    """The erasure, when the profile is erased and holds nothing personal (any more)."""
    if profile.erased_at is None or profile.pseudonym is None:
        return None
    if any(getattr(profile, name) for name in erasure.ERASED_FIELDS) or erasure.holds_override_reason(profile):
        return None
    return Erasure(profile.customer_id, profile.pseudonym, profile.erased_at)


def _purged_body(delivery: DeliveryRecord, pseudonym: str) -> str:
    """The envelope without the event's data: the delivery's record stays, the person's data goes."""
    envelope = json.loads(delivery.body)
    kept = {name: envelope.get(name) for name in ("id", "type", "created_at", "app_id")}
    return json.dumps(kept | {"data": {"pseudonym": pseudonym}}, separators=(",", ":"), ensure_ascii=False)
