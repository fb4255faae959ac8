"""Customer profiles: upsert and read, always within one application."""

from __future__ import annotations

from dataclasses import dataclass

from shared import clock
from shared.errors import Conflict, CustomerNotFound, ValidationFailed
from shared.ids import new_id
from shared.models.customers import CustomerUpsert
from shared.storage import customers
from shared.storage.customers import PROFILE_FIELDS, CustomerRecord, ReferrerAlreadySet


@dataclass(frozen=True, slots=True)
class UpsertResult:
    customer: CustomerRecord
    created: bool


def upsert_customer(app_id: str, source_id: str, changes: CustomerUpsert) -> UpsertResult:
    if changes.referred_by == source_id:
        raise ValidationFailed("referred_by: a customer cannot refer itself")
    given = changes.model_dump(include=set(PROFILE_FIELDS) & changes.model_fields_set)
    new_customer_id = new_id("cust")
    try:
        record = customers.upsert(
            app_id,
            source_id,
            new_customer_id,
            clock.now_iso(),
            given,
            referred_by=changes.referred_by,
            clear_referrer="referred_by" in changes.model_fields_set and changes.referred_by is None,
        )
    except ReferrerAlreadySet as error:
        raise Conflict(
            "Referrer already set",
            f"referred_by: customer {source_id} was already referred by {error.current}",
        ) from error
    return UpsertResult(record, created=record.customer_id == new_customer_id)


def get_customer(app_id: str, source_id: str) -> CustomerRecord:
    record = customers.get(app_id, source_id)
    if record is None:
        raise CustomerNotFound(source_id)
    return record
