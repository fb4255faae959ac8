"""Customer profiles: upsert and read, always within one application.

Every customer has a referral code from the moment it exists: each writer that creates a profile
(upsert, event ingestion) claims a new code in the same transaction. A referee is linked to its
referrer by ``referred_by`` (the referrer's source_id) or by ``referral_code`` (the referrer's code,
found with one key read); either way the link is set once and never to the customer itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared import clock
from shared.errors import Conflict, CustomerNotFound, ServiceUnavailable, ValidationFailed
from shared.ids import new_id, new_referral_code
from shared.limits import MAX_ATTRIBUTES, MAX_ATTRIBUTES_BYTES, encoded_size
from shared.retries import retries
from shared.storage import customers
from shared.storage.customers import CustomerChanged, CustomerRecord
from shared.values import value_class


@value_class
class CustomerChanges:
    """What an upsert asks: ``profile`` replaces the profile fields it names (None removes one)."""

    profile: Mapping[str, Any]
    referred_by: str | None = None
    referral_code: str | None = None  # the referrer's code
    removes_referrer: bool = False  # referred_by given as null


@value_class
class UpsertResult:
    customer: CustomerRecord
    created: bool


def upsert_customer(
    app_id: str, source_id: str, changes: CustomerChanges, attribute_changes: Mapping[str, Any] | None = None
) -> UpsertResult:
    """Create or update. Fields given replace the stored ones and ``None`` removes one;
    ``attribute_changes`` merges into the custom attributes key by key (``None`` removes a key)."""
    if changes.referred_by == source_id:
        raise ValidationFailed("referred_by: a customer cannot refer itself")
    for _ in retries():
        current, code_owner = customers.read(app_id, source_id, changes.referral_code)
        referrer = _referrer(source_id, changes, code_owner)
        fields = dict(changes.profile)
        if attribute_changes:
            fields["attributes"] = merged_attributes(current.attributes if current else {}, attribute_changes)
        try:
            if current is None:
                record = customers.create(
                    app_id, source_id, new_id("cust"), new_referral_code(), clock.now_iso(), fields, referrer
                )
                return UpsertResult(record, created=True)
            _check_referrer_unchanged(current, referrer, changes)
            record = customers.update(
                app_id,
                current,
                clock.now_iso(),
                fields,
                referred_by=referrer if referrer != current.referred_by else None,
                referral_code=new_referral_code() if current.referral_code is None else None,
            )
            return UpsertResult(record, created=False)
        except CustomerChanged:
            continue
    raise ServiceUnavailable


def ensure_customer(app_id: str, source_id: str) -> tuple[CustomerRecord, bool]:
    """The profile, created (with its referral code) when absent; whether it was created."""
    for _ in retries():
        current = customers.get(app_id, source_id)
        if current is not None:
            return current, False
        try:
            return customers.create(app_id, source_id, new_id("cust"), new_referral_code(), clock.now_iso(), {}), True
        except CustomerChanged:
            continue
    raise ServiceUnavailable


def _referrer(source_id: str, changes: CustomerChanges, code_owner: str | None) -> str | None:
    if changes.referral_code is None:
        return changes.referred_by
    if code_owner is None:
        raise ValidationFailed("referral_code: no customer has this referral code")
    if code_owner == source_id:
        raise ValidationFailed("referral_code: a customer cannot use its own referral code")
    if changes.referred_by is not None and changes.referred_by != code_owner:
        raise ValidationFailed(
            f"referral_code: belongs to customer {code_owner}, but referred_by names {changes.referred_by}"
        )
    return code_owner


def _check_referrer_unchanged(current: CustomerRecord, referrer: str | None, changes: CustomerChanges) -> None:
    """``referred_by`` is written once: changing it would let a referral be credited twice."""
    clearing = changes.removes_referrer and referrer is None
    if current.referred_by is not None and (clearing or (referrer is not None and referrer != current.referred_by)):
        field = "referral_code" if changes.referral_code is not None else "referred_by"
        raise Conflict(
            "Referrer already set",
            f"{field}: customer {current.source_id} was already referred by {current.referred_by}",
        )


def merged_attributes(stored: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``changes`` merged into ``stored`` (None removes a key), within a customer's attribute budgets."""
    merged = {**stored, **changes}
    merged = {name: value for name, value in merged.items() if value is not None}
    if len(merged) > MAX_ATTRIBUTES:
        raise ValidationFailed(
            f"metadata: a customer keeps at most {MAX_ATTRIBUTES} custom attributes "
            f"({len(merged)} with these; send null for a key to remove it)"
        )
    if encoded_size(merged) > MAX_ATTRIBUTES_BYTES:
        raise ValidationFailed(
            f"metadata: a customer's custom attributes take at most {MAX_ATTRIBUTES_BYTES} bytes (as UTF-8 JSON)"
        )
    return merged


def get_customer(app_id: str, source_id: str) -> CustomerRecord:
    record = customers.get(app_id, source_id)
    if record is None:
        raise CustomerNotFound(source_id)
    return record


def list_customers(
    app_id: str, limit: int, cursor: str | None, prefix: str | None
) -> tuple[list[CustomerRecord], str | None]:
    """The application's customers in source_id order, only those whose source_id starts with ``prefix``."""
    return customers.page(app_id, limit, cursor, prefix)
