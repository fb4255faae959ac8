"""Coupons: definitions, code pools, the coupons a customer holds, and those a campaign rule grants.
Coupons on an order (validate, redeem, revert) are ``coupon_apply``'s."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal, TypedDict

from shared import clock
from shared.domain.grants import CouponGranted
from shared.entities.coupons import (
    CouponSpec,
    CouponStatus,
)
from shared.errors import Conflict, CustomerNotFound, NotFound, ValidationFailed
from shared.ids import new_id
from shared.storage.coupons import definitions, issuing, pools, redemptions
from shared.storage.coupons.errors import CodeTaken, CouponChanged, CouponUnavailable, PoolExhausted
from shared.storage.coupons.pools import PoolImport
from shared.storage.coupons.records import CouponRecord
from shared.storage.coupons.redemptions import CouponRedemptionRecord
from shared.storage.dynamodb import TransactAction
from shared.values import value_class

MAX_WRITE_ATTEMPTS = 5


class CouponNotFound(NotFound):
    def __init__(self, coupon_id: str) -> None:
        super().__init__(f"Cannot find coupon with id {coupon_id}")


class CouponCodeTaken(Conflict):
    def __init__(self, codes: list[str]) -> None:
        super().__init__(
            "Coupon code already exists",
            f"codes already used by another coupon (codes match case-insensitively): {code_names(codes)}",
        )


def code_names(codes: list[str], shown: int = 20) -> str:
    """Codes named in an error, at most ``shown`` of them."""
    more = f" and {len(codes) - shown} more" if len(codes) > shown else ""
    return ", ".join(codes[:shown]) + more


class CouponBusy(Conflict):
    def __init__(self) -> None:
        super().__init__("Coupon changed", "the coupon was changed by another request; retry")


# ------------------------------------------------------------------------------------- definitions


class CouponChanges(TypedDict, total=False):
    """What a PATCH gives, only the fields it names (dates in epoch seconds); None removes a date or a limit."""

    name: str
    status: CouponStatus
    starts_at: int | None
    ends_at: int | None
    usage_limit: int | None
    usage_limit_per_customer: int | None


def create_coupon(app_id: str, draft: CouponSpec) -> CouponRecord:
    """``draft``: the coupon as the client defines it; its id and times are given here."""
    now = clock.now_iso()
    spec = replace(draft, coupon_id=new_id("coupm"), created_at=now, updated_at=now)
    try:
        return CouponRecord(definitions.create(app_id, spec))
    except CodeTaken as error:
        raise CouponCodeTaken(error.codes) from error


def get_coupon(app_id: str, coupon_id: str) -> CouponRecord:
    found = definitions.get(app_id, coupon_id)
    if found is None:
        raise CouponNotFound(coupon_id)
    return found


def list_coupons(
    app_id: str, limit: int, cursor: str | None, status: str | None
) -> tuple[list[CouponRecord], str | None]:
    return definitions.page(app_id, limit, cursor, status)


def update_coupon(app_id: str, coupon_id: str, changes: CouponChanges) -> CouponRecord:
    for _ in range(MAX_WRITE_ATTEMPTS):
        before = get_coupon(app_id, coupon_id)
        spec = before.spec
        after = replace(spec, updated_at=clock.now_iso(), **changes)
        if after.starts_at is not None and after.ends_at is not None and after.ends_at <= after.starts_at:
            raise ValidationFailed("ends_at: must be after starts_at")
        if after.usage_limit is not None and after.usage_limit < before.uses:
            raise Conflict(
                "Usage limit below uses",
                f"usage_limit: the coupon has been used {before.uses} times; the limit cannot be lower",
            )
        if after == replace(spec, updated_at=after.updated_at):
            return before
        try:
            definitions.update(app_id, before, after)
        except CouponChanged:
            continue  # a redemption or another change landed between read and write: read again
        return get_coupon(app_id, coupon_id)
    raise CouponBusy


# ------------------------------------------------------------------------------------------- pools


def import_codes(app_id: str, coupon_id: str, codes: list[str]) -> tuple[PoolImport, CouponRecord]:
    """Add codes to a pool coupon; a repeated import is a no-op; a code another coupon has is a conflict."""
    created = 0
    for _ in range(MAX_WRITE_ATTEMPTS):
        coupon = get_coupon(app_id, coupon_id)
        if not coupon.spec.is_pool:
            raise Conflict("Not a pool coupon", "codes: this coupon has a fixed coupon_code; create a pool coupon")
        try:
            result = pools.import_codes(app_id, coupon, codes, clock.now_iso())
        except CodeTaken as error:
            raise CouponCodeTaken(error.codes) from error
        except CouponChanged as error:
            # A concurrent import of this pool: what this call wrote stays; the rest is retried.
            created += error.created
            continue
        return PoolImport(created + result.created, result.already_in_pool - created), get_coupon(app_id, coupon_id)
    raise CouponBusy


# ------------------------------------------------------------------------------------------- lists


def list_redemptions(
    app_id: str, coupon_id: str, limit: int, cursor: str | None
) -> tuple[list[CouponRedemptionRecord], str | None]:
    get_coupon(app_id, coupon_id)
    return redemptions.page(app_id, coupon_id, limit, cursor)


@value_class
class CustomerCoupon:
    """A coupon as one customer holds it: a pool code issued to them, or a fixed-code coupon they were
    given or have used."""

    coupon: CouponSpec
    coupon_code: str
    state: Literal["available", "redeemed", "expired", "voided", "disabled"]
    uses: int


def _state(spec: CouponSpec, now: int, has_use_left: bool, used: bool) -> Any:
    if not has_use_left:
        return "redeemed" if used else "voided"
    if spec.ends_at is not None and now > spec.ends_at:
        return "expired"
    return "available" if spec.status == "active" else "disabled"


def list_customer_coupons(
    app_id: str, source_id: str, limit: int, cursor: str | None
) -> tuple[list[CustomerCoupon], str | None]:
    """``GET /customers/{source_id}/coupons``: two round trips (the customer's coupon items, then the
    definitions they refer to); the profile is read to answer an unknown customer with the seed's not-found."""
    from shared.storage import customers  # customers' records load with this route, not with every coupon route

    if customers.get(app_id, source_id) is None:
        raise CustomerNotFound(source_id)
    items, coupons_by_id, next_cursor = issuing.customer_coupons_page(app_id, source_id, limit, cursor)
    now = clock.now_epoch()
    held: list[CustomerCoupon] = []
    for item in items:
        record = coupons_by_id.get(item["coupon_id"])
        if record is None:
            continue
        spec = record.spec
        if item["type"] == "customer_coupon_code":
            status = item["status"]
            has_use_left, used = status == "issued", status == "redeemed"
            held.append(CustomerCoupon(spec, item["coupon_code"], _state(spec, now, has_use_left, used), int(used)))
        elif spec.coupon_code is not None:
            uses, granted = int(item.get("uses", 0)), int(item.get("granted", 0))
            allowed = [granted] if spec.redeemable_by == "holders" else []
            if spec.usage_limit_per_customer is not None:
                allowed.append(spec.usage_limit_per_customer)
            has_use_left = uses < min(allowed) if allowed else True
            held.append(CustomerCoupon(spec, spec.coupon_code, _state(spec, now, has_use_left, uses > 0), uses))
    return held, next_cursor


# ------------------------------------------------------------------------------------------ grants


def grant_for_rule(
    app_id: str, coupon_id: str, source_id: str, campaign_id: str, rule_id: str
) -> tuple[CouponGranted, tuple[TransactAction, ...]]:
    """The coupon a completed rule gives ``source_id`` (a pool code, or the fixed code made theirs),
    and the writes that give it, for the rule's own transaction: exactly once with the completion. A
    concurrent issue of the same code cancels that transaction, and the rule is planned again."""
    coupon = definitions.get_definition(app_id, coupon_id)
    refused: str | None = None
    if coupon is None:
        refused = "coupon not found"
    else:
        try:
            issued = issuing.issue_coupon(
                app_id, coupon, source_id, clock.now_epoch(), clock.now_iso(), skip_used_codes=True
            )
        except PoolExhausted:
            refused = "the coupon's pool has no code left"
        except CouponUnavailable as error:
            refused = f"the coupon is {error.reason}"
        else:
            granted = CouponGranted(coupon_id, issued.grant.coupon_code, source_id, campaign_id, rule_id)
            return granted, issued.actions
    return CouponGranted(coupon_id, None, source_id, campaign_id, rule_id, refused), ()
