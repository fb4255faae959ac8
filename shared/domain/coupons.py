"""Coupons: definitions, code pools, validation with the gap, redemption and revert (seed 004)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from shared import clock
from shared.domain.coupon_rules import CouponSpec
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.ids import new_id
from shared.models.coupons import CodesImport, CouponCreate, CouponPatch, code_names
from shared.storage import coupons
from shared.storage.coupons import CodeTaken, CouponChanged, CouponRecord, PoolImport

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


class CouponBusy(Conflict):
    retry_after_seconds = 1

    def __init__(self) -> None:
        super().__init__("Coupon changed", "the coupon was changed by another request; retry")


# ------------------------------------------------------------------------------------- definitions


def create_coupon(app_id: str, request: CouponCreate) -> CouponRecord:
    spec = request.to_spec(new_id("coupm"), clock.now_iso())
    try:
        coupons.create(app_id, spec)
    except CodeTaken as error:
        raise CouponCodeTaken(error.codes) from error
    return CouponRecord(spec)


def get_coupon(app_id: str, coupon_id: str) -> CouponRecord:
    found = coupons.get(app_id, coupon_id)
    if found is None:
        raise CouponNotFound(coupon_id)
    return found


def list_coupons(
    app_id: str, limit: int, cursor: str | None, status: str | None
) -> tuple[list[CouponRecord], str | None]:
    return coupons.page(app_id, limit, cursor, status)


def update_coupon(app_id: str, coupon_id: str, patch: CouponPatch) -> CouponRecord:
    given = patch.model_fields_set
    for name in ("name", "status"):
        if name in given and getattr(patch, name) is None:
            raise ValidationFailed(f"{name}: cannot be removed")
    for _ in range(MAX_WRITE_ATTEMPTS):
        before = get_coupon(app_id, coupon_id)
        spec = before.spec
        after = _patched(spec, patch)
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
            coupons.update(app_id, before, after)
        except CouponChanged:
            continue  # a redemption or another change landed between read and write: read again
        return get_coupon(app_id, coupon_id)
    raise CouponBusy


def _patched(spec: CouponSpec, patch: CouponPatch) -> CouponSpec:
    """``spec`` with the fields the patch gives (``null`` removes a date or a limit)."""
    changes: dict[str, Any] = {"updated_at": clock.now_iso()}
    for name in patch.model_fields_set:
        value = getattr(patch, name)
        changes[name] = int(value.timestamp()) if isinstance(value, datetime) else value
    return replace(spec, **changes)


# ------------------------------------------------------------------------------------------- pools


def import_codes(app_id: str, coupon_id: str, request: CodesImport) -> tuple[PoolImport, CouponRecord]:
    """Add codes to a pool coupon; a repeated import is a no-op; a code another coupon has is a 409."""
    created = 0
    for _ in range(MAX_WRITE_ATTEMPTS):
        coupon = get_coupon(app_id, coupon_id)
        if not coupon.spec.is_pool:
            raise Conflict("Not a pool coupon", "codes: this coupon has a fixed coupon_code; create a pool coupon")
        try:
            result = coupons.import_codes(app_id, coupon, request.codes, clock.now_iso())
        except CodeTaken as error:
            raise CouponCodeTaken(error.codes) from error
        except CouponChanged as error:
            # A concurrent import of this pool: what this call wrote stays; the rest is retried.
            created += error.created
            continue
        return PoolImport(created + result.created, result.already_in_pool - created), get_coupon(app_id, coupon_id)
    raise CouponBusy
