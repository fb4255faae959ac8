"""Coupons over the single table: definitions, code pools, usage counters, the coupons a customer holds,
and redemptions.

Items (keys in ``keys.py``):
- definition (``COUPONS`` partition): the spec, ``redeemed`` (the exact use counter of a limited coupon),
  and its pool's counters: ``codes_total`` (imported), ``codes_issued`` (the position of the next code to
  hand out), ``codes_held`` (codes in the ``issued`` state) and ``codes_voided``, each moved in the
  transaction that moves a code; the pool's redeemed codes are its uses;
- usage shards: an unlimited coupon counts its uses on one of ``COUPON_USAGE_SHARDS`` items picked at
  random, so a flash sale on a fixed code never serialises on one item; a limited coupon counts on its
  definition, under the condition ``redeemed < usage_limit``, which is what keeps it exact. Changing a
  coupon from unlimited to limited moves the shards' uses onto the definition and closes the shards in
  one transaction conditioned on the counts read, so no use is lost or counted twice meanwhile;
- code registry: one item per code (fixed or pooled), keyed by the code in upper case: codes are
  unique per application and match case-insensitively. A pool code's item holds its state
  (available, issued, redeemed, voided) and holder;
- pool pages: each import transaction writes one page listing its codes in sequence order; the next
  code to hand out is the ``codes_issued``-th, found with one query;
- customer coupon items, in the customer's partition: uses and grants of one coupon (the per-customer
  limit is checked there), and one item per code held.
"""

from __future__ import annotations

import contextlib
import random
import secrets
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal, NoReturn

from shared.domain.coupon_rules import CouponCondition, CouponSpec, Discount, ItemConditions
from shared.storage import dynamodb, keys, pagination
from shared.storage.dynamodb import (
    Check,
    Expression,
    Item,
    Put,
    TransactAction,
    TransactionCancelled,
    Update,
)

_NEW = Expression("attribute_not_exists(PK)")
_EXISTS = Expression("attribute_exists(PK)")
# One import transaction: its codes, the page listing them and the definition's count (DynamoDB: 100 items).
CODES_PER_TRANSACTION = 98
GENERATED_CODE_ALPHABET = string.ascii_uppercase + string.digits
GENERATED_CODE_LENGTH = 12


def normalize(code: str) -> str:
    """Codes match case-insensitively: a shopper typing ``wholecart`` means ``WHOLECART``."""
    return code.upper()


# ------------------------------------------------------------------------------------------ errors


class CodeTaken(Exception):
    """Codes already registered for another coupon of the application."""

    def __init__(self, codes: Sequence[str]) -> None:
        super().__init__(", ".join(codes))
        self.codes = list(codes)


class CouponChanged(Exception):
    """Another writer changed the coupon between read and write; ``created``: codes this import wrote first."""

    def __init__(self, created: int = 0) -> None:
        super().__init__(f"coupon changed ({created} codes created)")
        self.created = created


class PoolExhausted(Exception):
    """Every code of the pool has been handed out."""


class CouponUnavailable(Exception):
    """The coupon cannot be handed out now: disabled or expired (``reason`` says which)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IssueRaced(Exception):
    """A concurrent writer took the code or changed the coupon: read the coupon again and retry."""


class CouponAlreadyUsed(Exception):
    """The issued coupon was used in an order (or voided already): it cannot be voided."""


# ------------------------------------------------------------------------------------------ records


@dataclass(frozen=True, slots=True)
class CouponRecord:
    spec: CouponSpec
    redeemed: int = 0  # uses counted on the definition (all of them while the coupon is limited)
    codes_total: int = 0
    codes_issued: int = 0  # the pool's next code to hand out: codes handed out, and codes skipped as used
    shard_uses: int = 0  # uses counted on the shards (an unlimited coupon), when read
    codes_held: int = 0  # codes issued to a customer and not used (nor voided) now
    codes_voided: int = 0

    @property
    def coupon_id(self) -> str:
        return self.spec.coupon_id

    @property
    def uses(self) -> int:
        return self.redeemed + self.shard_uses


def _condition_to_map(condition: CouponCondition) -> dict[str, Any]:
    return {"field": condition.field, "operator": condition.operator, "value": condition.value}


def _condition_from_map(data: Mapping[str, Any]) -> CouponCondition:
    return CouponCondition(data["field"], data["operator"], data["value"])


def _spec_to_values(spec: CouponSpec) -> dict[str, Any]:
    items = spec.item_conditions
    return {
        "coupon_id": spec.coupon_id,
        "coupon_code": spec.coupon_code,
        "name": spec.name,
        "discount": asdict(spec.discount),
        "status": spec.status,
        "starts_at": spec.starts_at,
        "ends_at": spec.ends_at,
        "usage_limit": spec.usage_limit,
        "usage_limit_per_customer": spec.usage_limit_per_customer,
        "assigned_to": spec.assigned_to,
        "redeemable_by": spec.redeemable_by,
        "order_conditions": [_condition_to_map(c) for c in spec.order_conditions],
        "item_conditions": None
        if items is None
        else {
            "match": [_condition_to_map(c) for c in items.match],
            "min_quantity": items.min_quantity,
            "min_amount": items.min_amount,
        },
        "metadata_schema": dict(spec.metadata_schema),
        "created_at": spec.created_at,
        "updated_at": spec.updated_at,
    }


# What PATCH may change; the rest of a definition is fixed once created (redemptions were judged by it).
MUTABLE_FIELDS = ("name", "status", "starts_at", "ends_at", "usage_limit", "usage_limit_per_customer", "updated_at")


def spec_from_item(item: Item) -> CouponSpec:
    discount = item["discount"]
    items = item.get("item_conditions")
    return CouponSpec(
        coupon_id=item["coupon_id"],
        coupon_code=item.get("coupon_code"),
        name=item.get("name"),
        discount=Discount(discount["type"], discount.get("value"), discount.get("max_discount")),
        status=item["status"],
        starts_at=item.get("starts_at"),
        ends_at=item.get("ends_at"),
        usage_limit=item.get("usage_limit"),
        usage_limit_per_customer=item.get("usage_limit_per_customer"),
        assigned_to=item.get("assigned_to"),
        redeemable_by=item.get("redeemable_by", "anyone"),
        order_conditions=tuple(_condition_from_map(c) for c in item.get("order_conditions") or ()),
        item_conditions=None
        if items is None
        else ItemConditions(
            match=tuple(_condition_from_map(c) for c in items.get("match") or ()),
            min_quantity=items.get("min_quantity"),
            min_amount=items.get("min_amount"),
        ),
        metadata_schema=item.get("metadata_schema") or {},
        created_at=item["created_at"],
        updated_at=item["updated_at"],
    )


def record_from_item(item: Item, shard_uses: int = 0) -> CouponRecord:
    return CouponRecord(
        spec_from_item(item),
        redeemed=item.get("redeemed", 0),
        codes_total=item.get("codes_total", 0),
        codes_issued=item.get("codes_issued", 0),
        shard_uses=shard_uses,
        codes_held=item.get("codes_held", 0),
        codes_voided=item.get("codes_voided", 0),
    )


def _definition_item(app_id: str, spec: CouponSpec) -> Item:
    return {
        **keys.coupon(app_id, spec.coupon_id),
        "type": "coupon",
        **_spec_to_values(spec),
        "redeemed": 0,
        "codes_total": 0,
        "codes_issued": 0,
        "codes_held": 0,
        "codes_voided": 0,
    }


def _fixed_code_item(app_id: str, spec: CouponSpec) -> Item:
    code = spec.coupon_code or ""
    return {
        **keys.coupon_code(app_id, normalize(code)),
        "type": "coupon_code",
        "kind": "fixed",
        "coupon_id": spec.coupon_id,
        "coupon_code": code,
        "created_at": spec.created_at,
    }


def _creation_actions(app_id: str, spec: CouponSpec) -> list[TransactAction]:
    actions: list[TransactAction] = [Put(_definition_item(app_id, spec), condition=_NEW)]
    if spec.coupon_code is not None:
        actions.append(Put(_fixed_code_item(app_id, spec), condition=_NEW))
    return actions


# ------------------------------------------------------------------------------------- definitions


def create(app_id: str, spec: CouponSpec) -> None:
    """The definition and, for a fixed code, its registry item: a code already taken is ``CodeTaken``."""
    try:
        dynamodb.transact_write(_creation_actions(app_id, spec))
    except TransactionCancelled as error:
        raise CodeTaken([spec.coupon_code or ""]) from error


def _shard_keys(app_id: str, coupon_id: str) -> list[dict[str, str]]:
    return [keys.coupon_usage_shard(app_id, coupon_id, shard) for shard in range(keys.COUPON_USAGE_SHARDS)]


def _shard_uses(items: Iterable[Item]) -> dict[str, int]:
    """Uses counted on the shards, per coupon id."""
    uses: dict[str, int] = {}
    for item in items:
        if item.get("type") == "coupon_usage_shard":
            uses[item["coupon_id"]] = uses.get(item["coupon_id"], 0) + int(item.get("uses", 0))
    return uses


def get(app_id: str, coupon_id: str) -> CouponRecord | None:
    """The definition with its counts (its usage shards included): one round trip."""
    found = dynamodb.batch_get([keys.coupon(app_id, coupon_id), *_shard_keys(app_id, coupon_id)])
    definition = next((item for item in found if item.get("type") == "coupon"), None)
    if definition is None:
        return None
    return record_from_item(definition, _shard_uses(found).get(coupon_id, 0))


def get_definition(app_id: str, coupon_id: str) -> CouponRecord | None:
    """The definition alone (its shards' uses not read): what issuing and granting need."""
    item = dynamodb.get_item(keys.coupon(app_id, coupon_id))
    return record_from_item(item) if item else None


def page(
    app_id: str, limit: int, cursor: str | None, status: str | None = None
) -> tuple[list[CouponRecord], str | None]:
    """Definitions in id order, optionally of one status, with their counts."""
    items, next_cursor = pagination.page(
        keys.coupons_partition(app_id), "coupm_", limit, cursor, filter_equals=({"status": status} if status else None)
    )
    shard_keys = [
        k for item in items if item.get("usage_limit") is None for k in _shard_keys(app_id, item["coupon_id"])
    ]
    uses = _shard_uses(dynamodb.batch_get(shard_keys)) if shard_keys else {}
    return [record_from_item(item, uses.get(item["coupon_id"], 0)) for item in items], next_cursor


def _changes(values: Mapping[str, Any], extra_sets: Sequence[str] = ()) -> tuple[str, dict[str, str], dict[str, Any]]:
    """``SET`` the values given, ``REMOVE`` the ones that are None, plus ``extra_sets`` clauses."""
    names = {f"#{name}": name for name in values}
    sets = [f"#{name} = :{name}" for name, value in values.items() if value is not None] + list(extra_sets)
    removes = [f"#{name}" for name, value in values.items() if value is None]
    text = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    return text, names, {f":{name}": value for name, value in values.items() if value is not None}


def update(app_id: str, before: CouponRecord, after: CouponSpec) -> None:
    """Write the mutable fields of ``after``. A limit never goes below the uses already counted: the
    condition is checked by DynamoDB against the stored count, so a concurrent redemption cannot slip
    under it. Switching between unlimited and limited moves the uses between the shards and the definition
    in the same transaction. ``CouponChanged`` when a concurrent change made the write impossible."""
    values = {name: getattr(after, name) for name in MUTABLE_FIELDS}
    coupon_key = keys.coupon(app_id, before.coupon_id)
    was_limited, limited = before.spec.usage_limit is not None, after.usage_limit is not None
    if not limited or was_limited:
        text, names, expression_values = _changes(values)
        condition = _EXISTS
        if limited:
            condition = Expression(
                "attribute_exists(PK) AND redeemed <= :new_limit", values={":new_limit": after.usage_limit}
            )
        actions: list[TransactAction] = [Update(coupon_key, Expression(text, names, expression_values), condition)]
        if was_limited and not limited:
            actions += [
                Update(shard, Expression("REMOVE closed"), condition=None)
                for shard in _shard_keys(app_id, before.coupon_id)
            ]
    else:
        actions = _close_shards(app_id, before, values)
    try:
        dynamodb.transact_write(actions)
    except TransactionCancelled as error:
        raise CouponChanged from error


def _close_shards(app_id: str, before: CouponRecord, values: Mapping[str, Any]) -> list[TransactAction]:
    """Unlimited -> limited: the shards' uses move onto the definition, each shard closed on the count read."""
    shard_keys = _shard_keys(app_id, before.coupon_id)
    read = {item[keys.PK]: int(item.get("uses", 0)) for item in dynamodb.batch_get(shard_keys)}
    moved = sum(read.values())
    limit = values["usage_limit"]
    text, names, expression_values = _changes(
        values, ["redeemed = redeemed + :moved", "generation = if_not_exists(generation, :zero) + :one"]
    )
    actions: list[TransactAction] = [
        Update(
            keys.coupon(app_id, before.coupon_id),
            Expression(text, names, {**expression_values, ":moved": moved, ":zero": 0, ":one": 1}),
            condition=Expression("attribute_exists(PK) AND redeemed <= :room", values={":room": limit - moved}),
        )
    ]
    for shard in shard_keys:
        count = read.get(shard[keys.PK], 0)
        actions.append(
            Update(
                shard,
                Expression(
                    "SET closed = :closed, uses = :zero, coupon_id = :coupon_id, #type = :type",
                    {"#type": "type"},
                    {":closed": True, ":zero": 0, ":coupon_id": before.coupon_id, ":type": "coupon_usage_shard"},
                ),
                condition=Expression(
                    "attribute_not_exists(uses) OR uses = :read" if count == 0 else "uses = :read",
                    values={":read": count},
                ),
            )
        )
    return actions


# ------------------------------------------------------------------------------------------- pools


@dataclass(frozen=True, slots=True)
class PoolImport:
    created: int
    already_in_pool: int


def import_codes(app_id: str, coupon: CouponRecord, codes: Sequence[str], now_iso: str) -> PoolImport:
    """Add ``codes`` (unique among themselves) to the coupon's pool. Codes already in this pool are
    skipped (a repeated import is a no-op); codes registered for another coupon raise ``CodeTaken`` naming
    them, before anything is written. Each transaction writes up to 98 codes, the page listing them and
    the pool's count, conditioned on the count read: concurrent imports never give two codes one sequence
    number, and the count always equals the codes written, whatever fails when."""
    by_key = {normalize(code): code for code in codes}
    registered = dynamodb.batch_get([keys.coupon_code(app_id, code_key) for code_key in by_key])
    mine = {item["coupon_code"].upper() for item in registered if item.get("coupon_id") == coupon.coupon_id}
    taken = sorted(item["coupon_code"] for item in registered if item.get("coupon_id") != coupon.coupon_id)
    if taken:
        raise CodeTaken(taken)
    new = [key for key in by_key if key not in mine]
    total = coupon.codes_total
    created = 0
    while new:
        chunk, new = new[:CODES_PER_TRANSACTION], new[CODES_PER_TRANSACTION:]
        try:
            dynamodb.transact_write(_import_actions(app_id, coupon.coupon_id, chunk, by_key, total, now_iso))
        except TransactionCancelled as error:
            raise CouponChanged(created) from error
        total += len(chunk)
        created += len(chunk)
    return PoolImport(created, len(mine))


def _import_actions(
    app_id: str, coupon_id: str, chunk: Sequence[str], by_key: Mapping[str, str], first_seq: int, now_iso: str
) -> list[TransactAction]:
    actions: list[TransactAction] = [
        Update(
            keys.coupon(app_id, coupon_id),
            Expression("SET codes_total = codes_total + :n", values={":n": len(chunk)}),
            condition=Expression("codes_total = :read", values={":read": first_seq}),
        ),
        Put(
            {
                **keys.coupon_pool_page(app_id, coupon_id, first_seq),
                "type": "pool_page",
                "first_seq": first_seq,
                "codes": [by_key[code_key] for code_key in chunk],
            },
            condition=_NEW,
        ),
    ]
    actions += [
        Put(
            {
                **keys.coupon_code(app_id, code_key),
                "type": "coupon_code",
                "kind": "pool",
                "coupon_id": coupon_id,
                "coupon_code": by_key[code_key],
                "seq": first_seq + offset,
                "status": "available",
                "created_at": now_iso,
            },
            condition=_NEW,
        )
        for offset, code_key in enumerate(chunk)
    ]
    return actions


def get_code(app_id: str, code: str) -> Item | None:
    return dynamodb.get_item(keys.coupon_code(app_id, normalize(code)))


# --------------------------------------------------------------- issuing (public API for grants)


IssueKind = Literal["pool_code", "fixed_code", "assigned_coupon"]


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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
            condition=_NEW,
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
    actions = (*_creation_actions(app_id, spec), _customer_grant(app_id, source_id, coupon_id, now_iso))
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
            condition=_EXISTS,
        ),
        Update(
            keys.customer_coupon(app_id, grant.source_id, grant.coupon_id),
            Expression("SET updated_at = :now ADD granted :minus_one", values={":now": now_iso, ":minus_one": -1}),
            condition=_EXISTS,
        ),
        _pool_counters(app_id, grant.coupon_id, {"codes_held": -1, "codes_voided": 1}),
    )


def explain_void_failure(reasons: Sequence[str | None]) -> NoReturn:
    """PUBLIC API: a cancelled void means the coupon was used (or voided already)."""
    del reasons
    raise CouponAlreadyUsed


def random_shard() -> int:
    return random.randrange(keys.COUPON_USAGE_SHARDS)  # noqa: S311 - spreading load, not crypto


# ------------------------------------------------------------------------------ apply (seed 004)


@dataclass(frozen=True, slots=True)
class RedemptionRecord:
    """One coupon redeemed on one order (and maybe reverted): keyed by (coupon, order)."""

    coupon_id: str
    order_id: str
    source_id: str
    coupon_code: str
    status: Literal["completed", "reverted"]
    order_status: str
    discount: float
    order: dict[str, Any]  # the order's amounts and the metadata the coupon's schema kept
    nullified_metadata: list[str]
    request_id: str
    created_at: str
    created_ms: int
    updated_at: str
    counted_on_shard: int | None = None  # None: counted on the definition
    generation: int = 0  # the definition's shard generation when counted on a shard
    revert_request_id: str | None = None
    reverted_at: str | None = None
    order_digest: str | None = None  # the order as redeemed (status aside): a replay must send the same one

    @classmethod
    def from_item(cls, item: Item) -> RedemptionRecord:
        return cls(**{name: item.get(name) for name in cls.__dataclass_fields__})  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class CouponState:
    """What one entry of ``coupon_details`` reads: the definition, the code's registry item, the
    customer's uses of the coupon, the customer's copy of the code, and the redemption on this order."""

    coupon: CouponRecord | None
    code: Item | None
    held: Item | None
    held_code: Item | None
    redemption: RedemptionRecord | None
    generation: int = 0

    @property
    def uses_by_customer(self) -> int:
        return int((self.held or {}).get("uses", 0))

    @property
    def granted_to_customer(self) -> int:
        return int((self.held or {}).get("granted", 0))


@dataclass(frozen=True, slots=True)
class ApplySnapshot:
    customer_exists: bool
    coupons: list[CouponState]


def load_for_apply(app_id: str, source_id: str, order_id: str, details: Sequence[tuple[str, str]]) -> ApplySnapshot:
    """Everything validate, redeem and revert read, for every coupon of the order: one round trip."""
    profile = keys.customer(app_id, source_id)
    wanted: list[dict[str, str]] = [profile]
    for coupon_id, code in details:
        code_key = normalize(code)
        wanted += [
            keys.coupon(app_id, coupon_id),
            keys.coupon_code(app_id, code_key),
            keys.customer_coupon(app_id, source_id, coupon_id),
            keys.customer_coupon_code(app_id, source_id, coupon_id, code_key),
            keys.coupon_redemption(app_id, coupon_id, order_id),
        ]
    found = {(item[keys.PK], item[keys.SK]): item for item in dynamodb.batch_get(wanted)}

    def at(key: Mapping[str, str]) -> Item | None:
        return found.get((key[keys.PK], key[keys.SK]))

    states = []
    for coupon_id, code in details:
        code_key = normalize(code)
        definition = at(keys.coupon(app_id, coupon_id))
        redemption = at(keys.coupon_redemption(app_id, coupon_id, order_id))
        states.append(
            CouponState(
                coupon=record_from_item(definition) if definition else None,
                code=at(keys.coupon_code(app_id, code_key)),
                held=at(keys.customer_coupon(app_id, source_id, coupon_id)),
                held_code=at(keys.customer_coupon_code(app_id, source_id, coupon_id, code_key)),
                redemption=RedemptionRecord.from_item(redemption) if redemption else None,
                generation=int((definition or {}).get("generation", 0)),
            )
        )
    return ApplySnapshot(at(profile) is not None, states)


def _redemption_item(app_id: str, record: RedemptionRecord) -> Item:
    return {
        **keys.coupon_redemption(app_id, record.coupon_id, record.order_id),
        **keys.coupon_redemptions_entry(app_id, record.coupon_id, record.created_ms, record.order_id),
        "type": "coupon_redemption",
        **asdict(record),
    }


def redeem_actions(app_id: str, state: CouponState, record: RedemptionRecord, now_iso: str) -> list[TransactAction]:
    """The writes of one coupon's redemption; every limit is a condition DynamoDB checks, so concurrent
    redemptions can never exceed it:
    - the redemption record, new (or replacing a reverted one): the same order is redeemed once;
    - the use, counted on the definition under ``redeemed < usage_limit`` (a limited coupon) or added to
      one usage shard (an unlimited coupon: no hot item);
    - the customer's uses of the coupon, under their limit (and within their grants, for a coupon
      redeemable by holders only);
    - a pool code, from the state read (available, or issued to this customer) to redeemed."""
    assert state.coupon is not None  # the domain refuses unknown coupons before this
    spec = state.coupon.spec
    coupon_id, source_id = spec.coupon_id, record.source_id
    status = {"#status": "status"}
    actions: list[TransactAction] = [
        Put(
            _redemption_item(app_id, record),
            # A new order, or this customer's own order redeemed again after its revert.
            condition=Expression(
                "attribute_not_exists(PK) OR (#status = :reverted AND source_id = :source_id)",
                status,
                {":reverted": "reverted", ":source_id": source_id},
            ),
        )
    ]
    # A code issued to this customer leaves the pool's held codes (on the definition, where a limited
    # coupon also counts its use: one action per item in a transaction).
    held = {"codes_held": -1} if spec.is_pool and (state.code or {}).get("status") == "issued" else {}
    if record.counted_on_shard is None:
        actions.append(
            _pool_counters(
                app_id,
                coupon_id,
                {"redeemed": 1, **held},
                Expression("#status = :active AND redeemed < usage_limit", status, {":active": "active"}),
            )
        )
    else:
        if held:
            actions.append(_pool_counters(app_id, coupon_id, held))
        actions.append(
            Update(
                keys.coupon_usage_shard(app_id, coupon_id, record.counted_on_shard),
                Expression(
                    "SET #type = :type, coupon_id = :coupon_id ADD uses :one",
                    {"#type": "type"},
                    {":type": "coupon_usage_shard", ":coupon_id": coupon_id, ":one": 1},
                ),
                condition=Expression("attribute_not_exists(closed)"),
            )
        )
    held_conditions, held_values = [], {}
    if spec.usage_limit_per_customer is not None:
        held_conditions.append("(attribute_not_exists(uses) OR uses < :per_customer)")
        held_values[":per_customer"] = spec.usage_limit_per_customer
    if spec.redeemable_by == "holders" and spec.coupon_code is not None:
        held_conditions.append("granted > uses")
    actions.append(
        Update(
            keys.customer_coupon(app_id, source_id, coupon_id),
            Expression(
                "SET #type = :type, coupon_id = :coupon_id, source_id = :source_id, updated_at = :now, "
                "granted = if_not_exists(granted, :zero) ADD uses :one",
                {"#type": "type"},
                {
                    ":type": "customer_coupon",
                    ":coupon_id": coupon_id,
                    ":source_id": source_id,
                    ":now": now_iso,
                    ":zero": 0,
                    ":one": 1,
                },
            ),
            condition=Expression(" AND ".join(held_conditions), values=held_values) if held_conditions else None,
        )
    )
    if spec.is_pool and state.code is not None:
        code_key = normalize(record.coupon_code)
        read_status = state.code.get("status")
        condition = Expression(
            "#status = :read AND coupon_id = :coupon_id", status, {":read": read_status, ":coupon_id": coupon_id}
        )
        if read_status == "issued":
            condition = Expression(
                condition.text + " AND holder = :source_id", status, {**condition.values, ":source_id": source_id}
            )
        actions.append(
            Update(
                keys.coupon_code(app_id, code_key),
                Expression(
                    "SET #status = :redeemed, order_id = :order_id, redeemed_by = :source_id, redeemed_at = :now",
                    status,
                    {":redeemed": "redeemed", ":order_id": record.order_id, ":source_id": source_id, ":now": now_iso},
                ),
                condition=condition,
            )
        )
        if state.held_code is not None:
            actions.append(_held_code_status(app_id, source_id, coupon_id, code_key, "redeemed", now_iso))
    return actions


def _held_code_status(
    app_id: str, source_id: str, coupon_id: str, code_key: str, new_status: str, now_iso: str
) -> Update:
    return Update(
        keys.customer_coupon_code(app_id, source_id, coupon_id, code_key),
        Expression(
            "SET #status = :new_status, updated_at = :now",
            {"#status": "status"},
            {":new_status": new_status, ":now": now_iso},
        ),
        condition=_EXISTS,
    )


def _pool_counters(
    app_id: str, coupon_id: str, deltas: Mapping[str, int], condition: Expression | None = None
) -> Update:
    """The definition's counters moved by ``deltas`` (a use, a pool code's state), under ``condition``."""
    adds = ", ".join(f"{name} :{name}" for name in deltas)
    return Update(
        keys.coupon(app_id, coupon_id),
        Expression(f"ADD {adds}", values={f":{name}": delta for name, delta in deltas.items()}),
        condition=condition,
    )


def revert_actions(
    app_id: str, state: CouponState, order_status: str, request_id: str, now_iso: str
) -> list[TransactAction]:
    """The writes that give one redemption's use back: the record to reverted (once: conditioned on it
    being completed), the use off the counter it was counted on (the definition, when the coupon has
    moved its shards' uses there since), the customer's use, and a pool code back to its holder or pool."""
    record, coupon = state.redemption, state.coupon
    assert record is not None  # the domain checks both first
    assert coupon is not None
    coupon_id, source_id = record.coupon_id, record.source_id
    status = {"#status": "status"}
    actions: list[TransactAction] = [
        Update(
            keys.coupon_redemption(app_id, coupon_id, record.order_id),
            Expression(
                "SET #status = :reverted, order_status = :order_status, revert_request_id = :request_id, "
                "reverted_at = :now, updated_at = :now",
                status,
                {":reverted": "reverted", ":order_status": order_status, ":request_id": request_id, ":now": now_iso},
            ),
            condition=Expression("#status = :completed", status, {":completed": "completed"}),
        )
    ]
    # The code goes back to the customer it was issued to, or to the pool: the code item read is the
    # record's own (the domain refuses a revert naming another code).
    code = state.code or {}
    holder = code.get("holder")
    held = {"codes_held": 1} if coupon.spec.is_pool and holder else {}
    # Counted on a shard of the current generation: the use is still there (a switch to a limit moves the
    # shards' uses onto the definition and starts a new generation).
    if record.counted_on_shard is not None and record.generation == state.generation:
        actions.append(
            Update(
                keys.coupon_usage_shard(app_id, coupon_id, record.counted_on_shard or 0),
                Expression("ADD uses :minus_one", values={":minus_one": -1}),
                condition=Expression("attribute_not_exists(closed) AND uses >= :one", values={":one": 1}),
            )
        )
        if held:
            actions.append(_pool_counters(app_id, coupon_id, held))
    else:
        actions.append(
            _pool_counters(
                app_id,
                coupon_id,
                {"redeemed": -1, **held},
                Expression(
                    "redeemed >= :one AND (attribute_not_exists(generation) OR generation = :generation)",
                    values={":one": 1, ":generation": state.generation},
                ),
            )
        )
    actions.append(
        Update(
            keys.customer_coupon(app_id, source_id, coupon_id),
            Expression("SET updated_at = :now ADD uses :minus_one", values={":now": now_iso, ":minus_one": -1}),
            condition=Expression("uses >= :one", values={":one": 1}),
        )
    )
    if coupon.spec.is_pool:
        code_key = normalize(record.coupon_code)
        back_to = "issued" if holder else "available"
        same_holder = "holder = :holder" if holder else "attribute_not_exists(holder)"
        actions.append(
            Update(
                keys.coupon_code(app_id, code_key),
                Expression(
                    "SET #status = :back_to REMOVE order_id, redeemed_by, redeemed_at", status, {":back_to": back_to}
                ),
                condition=Expression(
                    f"#status = :redeemed AND order_id = :order_id AND coupon_id = :coupon_id AND {same_holder}",
                    status,
                    {":redeemed": "redeemed", ":order_id": record.order_id, ":coupon_id": coupon_id}
                    | ({":holder": holder} if holder else {}),
                ),
            )
        )
        if holder == source_id and state.held_code is not None:
            actions.append(_held_code_status(app_id, source_id, coupon_id, code_key, "issued", now_iso))
    return actions


class ApplyRaced(Exception):
    """A concurrent request changed what a redeem or revert read (a count, a code, this very order)."""


def write_all(actions: Sequence[TransactAction]) -> None:
    """The writes of one redeem or revert, all or nothing."""
    try:
        dynamodb.transact_write(actions)
    except TransactionCancelled as error:
        raise ApplyRaced from error


def update_order_status(app_id: str, record: RedemptionRecord, order_status: str, now_iso: str) -> None:
    """A redeem repeated with the order's new status (pending -> completed) stores it on that very
    redemption, still completed; nothing is consumed. ``ApplyRaced`` when it changed meanwhile."""
    try:
        dynamodb.update_item(
            keys.coupon_redemption(app_id, record.coupon_id, record.order_id),
            Expression(
                "SET order_status = :order_status, updated_at = :now",
                values={":order_status": order_status, ":now": now_iso},
            ),
            condition=Expression(
                "#status = :completed AND request_id = :request_id",
                {"#status": "status"},
                {":completed": "completed", ":request_id": record.request_id},
            ),
        )
    except dynamodb.ConditionFailed as error:
        raise ApplyRaced from error


def redemptions_page(
    app_id: str, coupon_id: str, limit: int, cursor: str | None
) -> tuple[list[RedemptionRecord], str | None]:
    """Newest first, from the sparse index; the cursor carries only the index's sort key."""
    partition = keys.coupon_redemptions_partition(app_id, coupon_id)
    start: Item | None = None
    if cursor:
        sort_key = pagination.sort_key_of(cursor, "")
        order_id = sort_key.partition("#")[2]
        start = {
            **keys.coupon_redemption(app_id, coupon_id, order_id),
            keys.COUPON_REDEMPTIONS_PK: partition,
            keys.COUPON_REDEMPTIONS_SK: sort_key,
        }
    result = dynamodb.query(
        Expression(f"{keys.COUPON_REDEMPTIONS_PK} = :pk", values={":pk": partition}),
        index=keys.COUPON_REDEMPTIONS_INDEX,
        limit=limit + 1,
        start_key=start,
        newest_first=True,
    )
    items = result.items[:limit]
    # DynamoDB also ends a query at 1 MB read: fewer items than asked, and a last key, may still have more
    has_more = bool(items) and (len(result.items) > limit or result.last_key is not None)
    next_cursor = pagination.cursor_for(items[-1][keys.COUPON_REDEMPTIONS_SK]) if has_more else None
    return [RedemptionRecord.from_item(item) for item in items], next_cursor


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
