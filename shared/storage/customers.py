"""Customer profiles, one item per customer, carrying the points counters the ledger keeps in step."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.storage import dynamodb, keys
from shared.storage.dynamodb import ConditionFailed, Expression, Item
from shared.storage.ledger import LedgerHead

PROFILE_FIELDS = ("name", "email", "phone", "tags", "enrolled_at", "tier", "brand", "attributes")


@dataclass(slots=True)
class CustomerRecord:
    customer_id: str
    source_id: str
    created_at: str
    updated_at: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    tags: list[str] = field(default_factory=list)
    enrolled_at: str | None = None
    tier: str | None = None
    brand: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    referred_by: str | None = None
    points_balance: int = 0
    points_earned: int = 0
    points_redeemed: int = 0
    ledger_sequence: int = 0
    ledger_ms: int = 0

    @property
    def ledger_head(self) -> LedgerHead:
        return LedgerHead(self.points_balance, self.ledger_sequence, self.ledger_ms)

    @classmethod
    def from_item(cls, item: Item) -> CustomerRecord:
        return cls(
            customer_id=item["customer_id"],
            source_id=item["source_id"],
            created_at=item["created_at"],
            updated_at=item["updated_at"],
            name=item.get("name"),
            email=item.get("email"),
            phone=item.get("phone"),
            tags=item.get("tags") or [],
            enrolled_at=item.get("enrolled_at"),
            tier=item.get("tier"),
            brand=item.get("brand"),
            attributes=item.get("attributes") or {},
            referred_by=item.get("referred_by"),
            points_balance=item.get("points_balance", 0),
            points_earned=item.get("points_earned", 0),
            points_redeemed=item.get("points_redeemed", 0),
            ledger_sequence=item.get("ledger_seq", 0),
            ledger_ms=item.get("ledger_ms", 0),
        )


class ReferrerAlreadySet(Exception):
    """``referred_by`` is written once: changing it would let a referral be credited twice."""

    def __init__(self, current: str | None) -> None:
        super().__init__(current)
        self.current = current


def get(app_id: str, source_id: str) -> CustomerRecord | None:
    item = dynamodb.get_item(keys.customer(app_id, source_id))
    return CustomerRecord.from_item(item) if item else None


def creation_values(
    source_id: str, new_customer_id: str, now: str, credit: int = 0
) -> tuple[list[str], dict[str, Any]]:
    """The SET clauses that make a profile exist without touching one that does, crediting ``credit``
    points: shared by every writer that may be first to see a customer (upsert, event ingestion)."""
    clauses = [
        "#type = :customer_type",
        "source_id = :source_id",
        "customer_id = if_not_exists(customer_id, :new_customer_id)",
        "created_at = if_not_exists(created_at, :now)",
        "updated_at = :now",
        "points_balance = if_not_exists(points_balance, :zero) + :credit",
        "points_earned = if_not_exists(points_earned, :zero) + :credit",
        "points_redeemed = if_not_exists(points_redeemed, :zero)",
    ]
    values = {
        ":customer_type": "customer",
        ":source_id": source_id,
        ":new_customer_id": new_customer_id,
        ":now": now,
        ":zero": 0,
        ":credit": credit,
    }
    return clauses, values


def touch(
    source_id: str, new_customer_id: str, now: str, credit: int = 0, head: LedgerHead | None = None
) -> Expression:
    """Create or touch the profile, crediting ``credit`` points; ``head``: the ledger head once this
    write's entries are in (condition it with ``ledger_head_is`` on the head read)."""
    clauses, values = creation_values(source_id, new_customer_id, now, credit)
    if head is not None:
        clauses += ["ledger_seq = :ledger_seq", "ledger_ms = :ledger_ms"]
        values |= {":ledger_seq": head.sequence, ":ledger_ms": head.last_ms}
    return Expression("SET " + ", ".join(clauses), {"#type": "type"}, values)


def ledger_head_is(expected: LedgerHead) -> Expression:
    """The head a write's ledger entries were placed after (``balance_after``, sequence) is still the
    stored one: no other entry was written meanwhile."""
    if expected.sequence == 0:
        return Expression(
            "attribute_not_exists(PK) OR (points_balance = :expected_balance AND attribute_not_exists(ledger_seq))",
            values={":expected_balance": expected.balance},
        )
    return Expression(
        "points_balance = :expected_balance AND ledger_seq = :expected_sequence",
        values={":expected_balance": expected.balance, ":expected_sequence": expected.sequence},
    )


def ensure(app_id: str, source_id: str, new_customer_id: str, now: str) -> CustomerRecord:
    return CustomerRecord.from_item(
        dynamodb.update_item(keys.customer(app_id, source_id), touch(source_id, new_customer_id, now))
    )


def upsert(
    app_id: str,
    source_id: str,
    new_customer_id: str,
    now: str,
    changes: Mapping[str, Any],
    referred_by: str | None,
    clear_referrer: bool,
) -> CustomerRecord:
    """Create or update in one conditional write; fields absent from ``changes`` keep their value and
    fields given as None are removed, so concurrent upserts of different fields all land."""
    set_clauses, values = creation_values(source_id, new_customer_id, now)
    names = {"#type": "type"}
    remove_clauses: list[str] = []
    for index, (name, value) in enumerate(changes.items()):
        names[f"#f{index}"] = name
        if value is None:
            remove_clauses.append(f"#f{index}")
        else:
            set_clauses.append(f"#f{index} = :f{index}")
            values[f":f{index}"] = value
    condition = None
    if referred_by is not None:
        set_clauses.append("referred_by = :referred_by")
        values[":referred_by"] = referred_by
        condition = Expression("attribute_not_exists(referred_by) OR referred_by = :referred_by")
    elif clear_referrer:
        condition = Expression("attribute_not_exists(referred_by)")
    text = "SET " + ", ".join(set_clauses) + (" REMOVE " + ", ".join(remove_clauses) if remove_clauses else "")
    try:
        item = dynamodb.update_item(
            keys.customer(app_id, source_id), Expression(text, names, values), condition=condition
        )
    except ConditionFailed as error:
        raise ReferrerAlreadySet((error.item or {}).get("referred_by")) from error
    return CustomerRecord.from_item(item)
