"""Giving coupons to customers (campaign grants, reward redemptions), taking them back, and listing what a
customer holds: the public API other aggregates write inside their own transactions."""

from __future__ import annotations

import contextlib
import secrets
import string
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any, Literal, NoReturn

from shared.entities.coupons import CouponSpec, Discount
from shared.storage import dynamodb, keys, pagination
from shared.storage.coupons.errors import CouponAlreadyUsed, CouponUnavailable, IssueRaced, PoolExhausted
from shared.storage.coupons.records import (
    EXISTS,
    IS_NEW,
    CouponRecord,
    creation_actions,
    normalize,
    pool_counters,
    record_from_item,
)
from shared.storage.dynamodb import Check, Expression, Item, Put, TransactAction, Update
from shared.values import value_class

GENERATED_CODE_ALPHABET = string.ascii_uppercase + string.digits
GENERATED_CODE_LENGTH = 12


IssueKind = Literal["pool_code", "fixed_code", "assigned_coupon"]


@value_class
class CouponGrant:
    """What a customer was given: store it with whatever gave it, to void it later."""

    coupon_id: str
    coupon_code: str
    source_id: str
    kind: IssueKind

    def to_record(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> CouponGrant:
        return cls(record["coupon_id"], record["coupon_code"], record["source_id"], record["kind"])


@value_class
class IssuedCoupon:
    """A grant and the actions that make it, to be written in the caller's own transaction."""

    grant: CouponGrant
    actions: tuple[TransactAction, ...]
    seq: int | None = None  # the pool code's sequence number


def _customer_grant(app_id: str, source_id: str, coupon_id: str, now_iso: str) -> Update:
    return Update(
        keys.customer_coupon(app_id, source_id, coupon_id),
        Expression(
            "SET #type = :type, coupon_id = :coupon_id, source_id = :source_id, uses = if_not_exists(uses, :zero), "
            "granted_at = if_not_exists(granted_at, :now), updated_at = :now ADD granted :one",
            {"#type": "type"},
            {
                ":type": "customer_coupon",
                ":coupon_id": coupon_id,
                ":source_id": source_id,
                ":zero": 0,
                ":one": 1,
                ":now": now_iso,
            },
        ),
    )


def issue_refusal(coupon: CouponRecord, now_epoch: int) -> str | None:
    """Why ``coupon`` cannot be handed out now (``disabled``, ``expired``, or ``exhausted``: its pool has no
    unissued code), or None: the one rule ``issue_coupon`` applies, which a CAMPAIGN reward's eligibility
    also shows, so that a reward listed as eligible is one its redemption can issue."""
    spec = coupon.spec
    if spec.status != "active":
        return "disabled"
    if spec.ends_at is not None and now_epoch > spec.ends_at:
        return "expired"
    if spec.coupon_code is None and coupon.codes_issued >= coupon.codes_total:
        return "exhausted"
    return None


def issue_coupon(
    app_id: str,
    coupon: CouponRecord,
    source_id: str,
    now_epoch: int,
    now_iso: str,
    *,
    skip_used_codes: bool = False,
) -> IssuedCoupon:
    """PUBLIC API (campaign grants, reward redemptions): give ``coupon`` to ``source_id`` inside the
    caller's atomic write. Add ``issued.actions`` to the transaction; if it is cancelled, pass the
    cancellation reasons of those actions to ``explain_issue_failure``.

    - A pool coupon hands out its next unissued code (one query finds it): the code becomes ``issued``
      to the customer, and only they can redeem it; the pool's ``codes_issued`` moves on, conditioned on
      the count read, so two writers never hand out the same code.
    - A fixed-code coupon is granted: the customer holds it (listed with their coupons) and, for a coupon
      ``redeemable_by: holders``, may now redeem it (once per grant, within the per-customer limit).

    Raises ``CouponUnavailable`` (disabled or expired) or ``PoolExhausted`` before anything is written.
    ``skip_used_codes``: read the code first (one more round trip) and move past codes the shop redeemed
    without the engine issuing them, for callers that cannot hand cancellation reasons to
    ``explain_issue_failure``.
    """
    spec = coupon.spec
    refusal = issue_refusal(coupon, now_epoch)
    if refusal == "exhausted":
        raise PoolExhausted
    if refusal is not None:
        raise CouponUnavailable(refusal)
    if spec.coupon_code is not None:
        grant = CouponGrant(coupon.coupon_id, spec.coupon_code, source_id, "fixed_code")
        active = Check(
            keys.coupon(app_id, coupon.coupon_id),
            Expression("#status = :active", {"#status": "status"}, {":active": "active"}),
        )
        return IssuedCoupon(grant, (active, _customer_grant(app_id, source_id, coupon.coupon_id, now_iso)))
    seq = coupon.codes_issued
    while True:
        if seq >= coupon.codes_total:
            raise PoolExhausted
        code = _pool_code_at(app_id, coupon.coupon_id, seq)
        code_key = normalize(code)
        if not skip_used_codes:
            break
        state = dynamodb.get_item(keys.coupon_code(app_id, code_key))
        if state is not None and state.get("status") == "available":
            break
        _skip_code(app_id, coupon.coupon_id, seq)
        seq += 1
    grant = CouponGrant(coupon.coupon_id, code, source_id, "pool_code")
    actions = (
        Update(
            keys.coupon(app_id, coupon.coupon_id),
            Expression("SET codes_issued = :next ADD codes_held :one", values={":next": seq + 1, ":one": 1}),
            condition=Expression(
                "codes_issued = :seq AND #status = :active", {"#status": "status"}, {":seq": seq, ":active": "active"}
            ),
        ),
        Update(
            keys.coupon_code(app_id, code_key),
            Expression(
                "SET #status = :issued, holder = :source_id, issued_at = :now",
                {"#status": "status"},
                {":issued": "issued", ":source_id": source_id, ":now": now_iso},
            ),
            condition=Expression(
                "#status = :available AND coupon_id = :coupon_id",
                {"#status": "status"},
                {":available": "available", ":coupon_id": coupon.coupon_id},
            ),
        ),
        Put(
            {
                **keys.customer_coupon_code(app_id, source_id, coupon.coupon_id, code_key),
                "type": "customer_coupon_code",
                "coupon_id": coupon.coupon_id,
                "source_id": source_id,
                "coupon_code": code,
                "status": "issued",
                "issued_at": now_iso,
                "updated_at": now_iso,
            },
            condition=IS_NEW,
        ),
        _customer_grant(app_id, source_id, coupon.coupon_id, now_iso),
    )
    return IssuedCoupon(grant, actions, seq)


def _pool_code_at(app_id: str, coupon_id: str, seq: int) -> str:
    page_found = dynamodb.query(
        Expression(
            "PK = :pk AND SK <= :bound",
            values={":pk": keys.coupon_pool_partition(app_id, coupon_id), ":bound": keys.coupon_pool_page_bound(seq)},
        ),
        limit=1,
        newest_first=True,
        consistent=True,
    ).items
    if not page_found:
        raise IssueRaced
    pool_page = page_found[0]
    codes: list[str] = pool_page["codes"]
    return codes[seq - int(pool_page["first_seq"])]


def explain_issue_failure(app_id: str, issued: IssuedCoupon, reasons: Sequence[str | None]) -> NoReturn:
    """PUBLIC API: why the caller's transaction holding ``issued.actions`` was cancelled, given those
    actions' cancellation reasons. Always raises: ``IssueRaced`` when the caller should read the coupon
    again and retry (a concurrent issue, or a pool code redeemed directly by the shop, which is skipped
    here before the retry)."""
    code_failed = len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed" and reasons[0] is None
    if issued.grant.kind == "pool_code" and code_failed:
        # The code at this sequence number was redeemed or voided without being issued: move past it.
        _skip_code(app_id, issued.grant.coupon_id, issued.seq or 0)
    raise IssueRaced


def _skip_code(app_id: str, coupon_id: str, seq: int) -> None:
    """Move the pool's next code past ``seq``, unless another writer already did."""
    with contextlib.suppress(dynamodb.ConditionFailed):
        dynamodb.update_item(
            keys.coupon(app_id, coupon_id),
            Expression("SET codes_issued = :next", values={":next": seq + 1}),
            condition=Expression("codes_issued = :seq", values={":seq": seq}),
        )


def create_customer_coupon(
    app_id: str, coupon_id: str, source_id: str, amount: float, name: str, now_iso: str
) -> IssuedCoupon:
    """PUBLIC API (COIN rewards): a new single-use ``amount`` coupon with a generated code, assigned to
    ``source_id`` (only they can redeem it, once), created by the caller's atomic write. ``coupon_id``
    comes from ``shared.ids.new_id("coupm")``."""
    code = "".join(secrets.choice(GENERATED_CODE_ALPHABET) for _ in range(GENERATED_CODE_LENGTH))
    spec = CouponSpec(
        coupon_id=coupon_id,
        coupon_code=code,
        name=name,
        discount=Discount("amount", amount),
        status="active",
        created_at=now_iso,
        updated_at=now_iso,
        usage_limit=1,
        usage_limit_per_customer=1,
        assigned_to=source_id,
        redeemable_by="holders",
    )
    actions: tuple[TransactAction, ...] = (
        *creation_actions(app_id, spec),
        _customer_grant(app_id, source_id, coupon_id, now_iso),
    )
    return IssuedCoupon(CouponGrant(coupon_id, code, source_id, "assigned_coupon"), actions)


def void_coupon(app_id: str, grant: CouponGrant, now_iso: str) -> tuple[TransactAction, ...]:
    """PUBLIC API (cancelled reward redemptions): the actions that take back what ``grant`` gave, for the
    caller's atomic write. They fail if the coupon was used in an order (a revert makes it unused
    again): pass their cancellation reasons to ``explain_void_failure``."""
    take_back = Update(
        keys.customer_coupon(app_id, grant.source_id, grant.coupon_id),
        Expression("SET updated_at = :now ADD granted :minus_one", values={":now": now_iso, ":minus_one": -1}),
        condition=Expression("granted > uses"),
    )
    if grant.kind != "pool_code":
        return (take_back,)
    code_key = normalize(grant.coupon_code)
    status = {"#status": "status"}
    voided = {":voided": "voided", ":now": now_iso}
    return (
        Update(
            keys.coupon_code(app_id, code_key),
            Expression("SET #status = :voided, voided_at = :now", status, voided),
            condition=Expression(
                "#status = :issued AND holder = :source_id",
                status,
                {":issued": "issued", ":source_id": grant.source_id},
            ),
        ),
        Update(
            keys.customer_coupon_code(app_id, grant.source_id, grant.coupon_id, code_key),
            Expression("SET #status = :voided, updated_at = :now", status, voided),
            condition=EXISTS,
        ),
        Update(
            keys.customer_coupon(app_id, grant.source_id, grant.coupon_id),
            Expression("SET updated_at = :now ADD granted :minus_one", values={":now": now_iso, ":minus_one": -1}),
            condition=EXISTS,
        ),
        pool_counters(app_id, grant.coupon_id, {"codes_held": -1, "codes_voided": 1}),
    )


def explain_void_failure(reasons: Sequence[str | None]) -> NoReturn:
    """PUBLIC API: a cancelled void means the coupon was used (or voided already)."""
    del reasons
    raise CouponAlreadyUsed


def customer_coupons_page(
    app_id: str, source_id: str, limit: int, cursor: str | None
) -> tuple[list[Item], dict[str, CouponRecord], str | None]:
    """The customer's coupon items (uses and grants per coupon, and each code they hold), with the
    definitions they refer to: two round trips."""
    items, next_cursor = pagination.page(
        keys.customer_partition(app_id, source_id), keys.CUSTOMER_COUPON_SK_PREFIX, limit, cursor, consistent=True
    )
    coupon_ids = list(dict.fromkeys(item["coupon_id"] for item in items))
    definitions = dynamodb.batch_get([keys.coupon(app_id, coupon_id) for coupon_id in coupon_ids]) if coupon_ids else []
    return items, {item["coupon_id"]: record_from_item(item) for item in definitions}, next_cursor
