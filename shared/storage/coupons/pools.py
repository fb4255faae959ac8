"""A pool coupon's codes: imported in pages, each code registered once per application."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from shared.storage import audit, dynamodb, keys
from shared.storage.coupons.errors import CodeTaken, CouponChanged
from shared.storage.coupons.records import IS_NEW, CouponRecord, normalize
from shared.storage.dynamodb import Expression, Item, Put, TransactAction, TransactionCancelled, Update
from shared.values import value_class

# One import transaction: its codes, the page listing them, the definition's count and the audit entry
# (DynamoDB: 100 items).
CODES_PER_TRANSACTION = 97


@value_class
class PoolImport:
    created: int
    already_in_pool: int


def import_codes(app_id: str, coupon: CouponRecord, codes: Sequence[str], now_iso: str) -> PoolImport:
    """Add ``codes`` (unique among themselves) to the coupon's pool. Codes already in this pool are
    skipped (a repeated import is a no-op); codes registered for another coupon raise ``CodeTaken`` naming
    them, before anything is written. Each transaction writes up to 97 codes, the page listing them, the
    pool's count and its audit entry (the count before and after, never the codes), conditioned on the
    count read: concurrent imports never give two codes one sequence number, and the count always equals
    the codes written, whatever fails when."""
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
            condition=IS_NEW,
        ),
        audit.entry(
            app_id,
            "coupon",
            coupon_id,
            "codes_imported",
            {"codes_total": first_seq},
            {"codes_total": first_seq + len(chunk)},
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
            condition=IS_NEW,
        )
        for offset, code_key in enumerate(chunk)
    ]
    return actions


def get_code(app_id: str, code: str) -> Item | None:
    return dynamodb.get_item(keys.coupon_code(app_id, normalize(code)))
