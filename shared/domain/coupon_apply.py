"""Coupons on an order (seed 004): validation with the gap to each failed condition, redemption and revert,
all of an order's coupons together."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Any, Literal

from shared import clock
from shared.domain.coupon_errors import (
    CouponRedemptionNotFound,
    CouponValidationFailed,
    DiscountValidationFailed,
    InvalidCoupon,
    InvalidSourceId,
    NotTheOrdersCode,
    OrderAlreadyRedeemed,
)
from shared.domain.coupon_rules import (
    FailedCondition,
    KeptMetadata,
    Order,
    Verdict,
    as_number,
    iso,
    judge,
    keep_metadata,
    stack,
    with_kept_metadata,
)
from shared.errors import ServiceUnavailable, ValidationFailed
from shared.retries import pause_after_lost_race
from shared.storage import allowance
from shared.storage.coupons import redemptions
from shared.storage.coupons.errors import ApplyRaced
from shared.storage.coupons.records import normalize
from shared.storage.coupons.redemptions import ApplySnapshot, CouponRedemptionRecord, CouponState
from shared.storage.dynamodb import TransactAction

MAX_APPLY_ATTEMPTS = 8
# The redemption record names at most this many nullified metadata keys (it must stay well under 400 KB).
MAX_NULLIFIED_LISTED = 100
ApplyType = Literal["redeem", "revert"]


@dataclass(frozen=True, slots=True)
class CouponDetail:
    coupon_id: str
    coupon_code: str


@dataclass(frozen=True, slots=True)
class CouponsOnOrder:
    """What validate, redeem and revert are asked: one customer's order and its coupons, each once."""

    source_id: str
    order: Order
    coupon_details: tuple[CouponDetail, ...]


@dataclass(frozen=True, slots=True)
class CouponCheck:
    """One coupon of an order, judged: ``invalid`` (unknown id, or not its code), eligibility refusals
    (status, dates, limits, holder), and the verdict of its conditions on the order."""

    coupon_id: str
    coupon_code: str
    invalid: bool
    refusals: tuple[FailedCondition, ...] = ()
    verdict: Verdict | None = None
    kept: KeptMetadata | None = None

    @property
    def applies(self) -> bool:
        return not self.invalid and not self.refusals and self.verdict is not None and self.verdict.applies

    def raise_refusal(self) -> None:
        """Seed 004's answer for the first reason this coupon does not apply (nothing when it does)."""
        if self.invalid:
            raise InvalidCoupon
        if self.refusals:
            raise CouponValidationFailed("; ".join(r.message for r in self.refusals))
        if self.verdict is not None and self.verdict.order_failures:
            raise CouponValidationFailed("; ".join(f.message for f in self.verdict.order_failures))
        if self.verdict is not None and self.verdict.item_failures:
            raise DiscountValidationFailed("; ".join(f.message for f in self.verdict.item_failures))


def _refusal(field: str, operator: str, required: Any, actual: Any, message: str, gap: str) -> FailedCondition:
    return FailedCondition(field, operator, required, actual, message, gap)


def _eligibility(state: CouponState, source_id: str, now: int) -> list[FailedCondition]:
    assert state.coupon is not None  # checked by the caller
    spec, record = state.coupon.spec, state.coupon
    refusals: list[FailedCondition] = []
    if spec.status != "active":
        refusals.append(_refusal("status", "eq", "active", spec.status, "coupon is disabled", "the shop disabled it"))
    if spec.starts_at is not None and now < spec.starts_at:
        starts = iso(spec.starts_at)
        refusals.append(
            _refusal("starts_at", "lte", starts, iso(now), "coupon is not active yet", f"starts at {starts}")
        )
    if spec.ends_at is not None and now > spec.ends_at:
        ended = iso(spec.ends_at)
        refusals.append(_refusal("ends_at", "gte", ended, iso(now), "coupon has expired", f"ended at {ended}"))
    if spec.assigned_to is not None and spec.assigned_to != source_id:
        refusals.append(
            _refusal(
                "assigned_to", "eq", None, source_id, "coupon is assigned to another customer", "not for this customer"
            )
        )
    uses, granted = state.uses_by_customer, state.granted_to_customer
    if spec.redeemable_by == "holders" and spec.coupon_code is not None and granted <= uses:
        message = "coupon was not given to this customer" if granted == 0 else "coupon already used as often as given"
        refusals.append(_refusal("granted", "gt", uses, granted, message, "the customer holds no unused grant"))
    limit = spec.usage_limit_per_customer
    if limit is not None and uses >= limit:
        refusals.append(
            _refusal("usage_limit_per_customer", "lt", limit, uses, "usage limit per customer reached", "no uses left")
        )
    if spec.usage_limit is not None and record.uses >= spec.usage_limit:
        refusals.append(
            _refusal("usage_limit", "lt", spec.usage_limit, record.uses, "coupon usage limit reached", "no uses left")
        )
    code = state.code or {}
    if spec.is_pool:
        code_status = code.get("status")
        if code_status == "redeemed":
            refusals.append(
                _refusal(
                    "coupon_code", "eq", "available", "redeemed", "coupon_code was already redeemed", "use another code"
                )
            )
        elif code_status == "voided":
            refusals.append(
                _refusal("coupon_code", "eq", "available", "voided", "coupon_code was voided", "use another code")
            )
        elif code_status == "issued" and code.get("holder") != source_id:
            refusals.append(
                _refusal(
                    "coupon_code",
                    "eq",
                    "available",
                    "issued",
                    "coupon_code was issued to another customer",
                    "not for this customer",
                )
            )
    return refusals


def _check(state: CouponState, coupon_id: str, code: str, source_id: str, order: Order, now: int) -> CouponCheck:
    coupon, registered = state.coupon, state.code
    if coupon is None or registered is None or registered.get("coupon_id") != coupon_id:
        return CouponCheck(coupon_id, code, invalid=True)
    kept = keep_metadata(order, coupon.spec.metadata_schema)
    verdict = judge(coupon.spec, with_kept_metadata(order, kept))
    return CouponCheck(
        coupon_id, registered["coupon_code"], False, tuple(_eligibility(state, source_id, now)), verdict, kept
    )


def _checks(request: CouponsOnOrder, snapshot: ApplySnapshot) -> list[CouponCheck]:
    now = clock.now_epoch()
    return [
        _check(state, detail.coupon_id, detail.coupon_code, request.source_id, request.order, now)
        for detail, state in zip(request.coupon_details, snapshot.coupons, strict=True)
    ]


def _load(app_id: str, request: CouponsOnOrder) -> ApplySnapshot:
    coupon_ids = [detail.coupon_id for detail in request.coupon_details]
    if len(set(coupon_ids)) < len(coupon_ids):
        raise ValidationFailed("coupon_details: each coupon may appear once per order")
    snapshot = redemptions.load_for_apply(
        app_id,
        request.source_id,
        request.order.order_id,
        [(detail.coupon_id, detail.coupon_code) for detail in request.coupon_details],
    )
    if not snapshot.customer_exists:
        raise InvalidSourceId
    return snapshot


@dataclass(frozen=True, slots=True)
class CouponValidation:
    check: CouponCheck
    discount: Decimal


@dataclass(frozen=True, slots=True)
class ValidationOutcome:
    source_id: str
    order_id: str
    coupons: list[CouponValidation]

    @property
    def valid(self) -> bool:
        return all(c.check.applies for c in self.coupons)

    @property
    def discount(self) -> Decimal:
        return sum((c.discount for c in self.coupons), Decimal(0))


def validate_coupons(app_id: str, request: CouponsOnOrder) -> ValidationOutcome:
    """Whether each coupon applies to the order, its discount (stacked as redeem would stack them), and
    every failed condition with the gap. Nothing is consumed: one read."""
    order = request.order
    checks = _checks(request, _load(app_id, request))
    shares = stack([c.verdict.discount if c.applies and c.verdict else Decimal(0) for c in checks], order)
    return ValidationOutcome(
        request.source_id, order.order_id, [CouponValidation(c, s) for c, s in zip(checks, shares, strict=True)]
    )


@dataclass(frozen=True, slots=True)
class AppliedCoupon:
    status: Literal["completed", "reverted"]
    coupon_id: str
    coupon_code: str
    order_id: str
    request_id: str


def apply_coupons(app_id: str, request: CouponsOnOrder, apply_type: ApplyType, request_id: str) -> list[AppliedCoupon]:
    """``POST /coupons/apply?type=redeem|revert`` (seed 004): every coupon of the order redeemed (or
    reverted) together in one transaction, or none. A redeem of a coupon already redeemed on this order
    answers its first result and consumes nothing; a second revert changes nothing. Two round trips:
    one read, one transaction (more only when a concurrent request changed what was read; each attempt
    takes a coupon's use from a shard no earlier one took from while another has uses left)."""
    tried = allowance.Tried()
    for attempt in range(MAX_APPLY_ATTEMPTS):
        snapshot = _load(app_id, request)
        try:
            if apply_type == "redeem":
                return _redeem(app_id, request, snapshot, request_id, tried)
            return _revert(app_id, request, snapshot, request_id)
        except (ApplyRaced, ServiceUnavailable):
            # A concurrent redemption changed a count or this very order meanwhile, or was changing one of
            # the items at that moment (TransactionConflicted, a ServiceUnavailable): read again, and the
            # answer (a limit reached, the first result) follows from what is stored now.
            if attempt == MAX_APPLY_ATTEMPTS - 1:
                raise ServiceUnavailable from None
            pause_after_lost_race(attempt)
    raise ServiceUnavailable


def _first_result(record: CouponRedemptionRecord) -> AppliedCoupon:
    if record.status == "reverted":
        return AppliedCoupon(
            "reverted",
            record.coupon_id,
            record.coupon_code,
            record.order_id,
            record.revert_request_id or record.request_id,
        )
    return AppliedCoupon("completed", record.coupon_id, record.coupon_code, record.order_id, record.request_id)


def _replayed(record: CouponRedemptionRecord | None, check: CouponCheck, source_id: str, digest: str | None) -> bool:
    """Whether this redeem repeats the coupon's redemption already on this order (answer its first result).
    The order id is the merchant's: another customer, another code or another order under it is a conflict,
    never an answer (or a change) of the first redemption; after a revert only its customer may redeem it."""
    if record is None:
        return False
    order_id, coupon_id = record.order_id, record.coupon_id
    if record.source_id != source_id:
        raise OrderAlreadyRedeemed("source_id", coupon_id, order_id, "for another customer")
    if record.status != "completed":
        return False
    if normalize(record.coupon_code) != normalize(check.coupon_code):
        raise OrderAlreadyRedeemed("coupon_code", coupon_id, order_id, "with another code; revert it to change it")
    if record.order_digest is not None and record.order_digest != digest:
        raise OrderAlreadyRedeemed(
            "order", coupon_id, order_id, "with other amounts, items or metadata; revert it to change them"
        )
    return True


_EXACT = Context(prec=200)  # wider than any storable number (38 digits): normalize never rounds


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    # Numbers by value, every digit kept (metadata's numeric text is an exact Decimal of up to 38 digits)
    if isinstance(value, Decimal):
        return str(value.normalize(_EXACT))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(Decimal(repr(value)).normalize(_EXACT))
    return value


def _order_digest(order: Order, kept: KeptMetadata | None) -> str | None:
    """What tells a replay from another order under the same id: the order as the record keeps it, its
    ``status`` aside (a replay may move it on), numbers compared by value (``800`` is ``800.0``)."""
    if kept is None:
        return None
    canonical = json.dumps(_canonical(_order_summary(order, kept)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _redeem(
    app_id: str, request: CouponsOnOrder, snapshot: ApplySnapshot, request_id: str, tried: allowance.Tried
) -> list[AppliedCoupon]:
    order = request.order
    checks = _checks(request, snapshot)
    digests = [_order_digest(order, check.kept) for check in checks]
    done = [
        state.redemption if _replayed(state.redemption, check, request.source_id, digest) else None
        for check, state, digest in zip(checks, snapshot.coupons, digests, strict=True)
    ]
    for check, record in zip(checks, done, strict=True):
        if record is None:
            check.raise_refusal()
    created_ms = clock.now_epoch_ms()  # the listing's order: one clock with created_at
    now_iso = clock.iso_from_epoch_ms(created_ms)
    shares = stack([c.verdict.discount if c.verdict else Decimal(0) for c in checks], order)
    actions: list[TransactAction] = []
    results: list[AppliedCoupon] = []
    for check, state, share, record, digest in zip(checks, snapshot.coupons, shares, done, digests, strict=True):
        if record is not None:
            if record.order_status != order.status:
                redemptions.update_order_status(app_id, record, order.status, now_iso)
            results.append(_first_result(record))
            continue
        assert state.coupon is not None  # a valid check has its coupon
        assert check.kept is not None
        new_record = CouponRedemptionRecord(
            coupon_id=check.coupon_id,
            order_id=order.order_id,
            source_id=request.source_id,
            coupon_code=check.coupon_code,
            status="completed",
            order_status=order.status,
            discount=as_number(share),
            order=_order_summary(order, check.kept),
            nullified_metadata=list(check.kept.nullified[:MAX_NULLIFIED_LISTED]),
            request_id=request_id,
            created_at=now_iso,
            created_ms=created_ms,
            updated_at=now_iso,
            order_digest=digest,
        )
        actions += redemptions.redeem_actions(app_id, state, new_record, now_iso, tried)
        results.append(_first_result(new_record))
    if actions:
        redemptions.write_all(actions)
    return results


def _order_summary(order: Order, kept: KeptMetadata) -> dict[str, Any]:
    """What the redemption record keeps of the order: its amounts and the metadata the schema kept."""
    return {
        "original_price_subtotal": order.original_price_subtotal,
        "selling_price_subtotal": order.selling_price_subtotal,
        "shipping": order.shipping,
        "tax": order.tax,
        "payment_mode": order.payment_mode,
        "metadata": kept.order,
        "items": [
            {
                "product_id": item.product_id,
                "quantity": item.quantity,
                "selling_price": item.selling_price,
                "metadata": meta,
            }
            for item, meta in zip(order.items, kept.items, strict=True)
        ],
    }


def _revert(app_id: str, request: CouponsOnOrder, snapshot: ApplySnapshot, request_id: str) -> list[AppliedCoupon]:
    order_id, now_iso = request.order.order_id, clock.now_iso()
    for detail, state in zip(request.coupon_details, snapshot.coupons, strict=True):
        registered = state.code or {}
        if state.coupon is None or registered.get("coupon_id") != detail.coupon_id:
            raise InvalidCoupon
        if state.redemption is None:
            raise CouponRedemptionNotFound(detail.coupon_id, order_id)
        if state.redemption.source_id != request.source_id:
            raise InvalidSourceId
        if normalize(state.redemption.coupon_code) != normalize(detail.coupon_code):
            raise NotTheOrdersCode(detail.coupon_id, order_id)
    actions: list[TransactAction] = []
    results: list[AppliedCoupon] = []
    for state in snapshot.coupons:
        record = state.redemption
        assert record is not None  # checked above
        if record.status == "reverted":
            results.append(_first_result(record))
            continue
        actions += redemptions.revert_actions(app_id, state, request.order.status, request_id, now_iso)
        results.append(AppliedCoupon("reverted", record.coupon_id, record.coupon_code, order_id, request_id))
    if actions:
        redemptions.write_all(actions)
    return results
