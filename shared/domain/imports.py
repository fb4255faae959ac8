"""Bulk import of members with their balances from another engine: the row processor (the jobs that
count rows are ``shared.domain.import_jobs``).

- A row is one member: its profile is upserted (fields given replace, attributes merge key by key) and
  its balance, when above 0, becomes one ledger entry of reason ``import`` whose lot expires at the
  row's ``expires_at`` (rounded up to a day boundary, as every lot) or never. Nothing of the points
  policy applies: the old engine decided when those points expire.
- A new member is one transaction (profile, referral code, entry and lot, conditioned on no profile);
  a known one is the profile's upsert and the ledger's own credit, each conditional. A chunk's members
  are read in batches first, so a row costs about one write when new and no write when unchanged.
- Idempotent per member: a profile already holding the row's values is not written, and the opening
  balance's txn_id is derived from the application and the source_id, written once (the ledger's
  conditional transaction). So a file imported again, or a chunk processed twice, changes nothing; a
  member's balance is brought in once, by the first import that names it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared import clock
from shared.domain.customers import CustomerChanges, merged_attributes, upsert_customer
from shared.domain.import_jobs import RowOutcome
from shared.domain.points import ledger, placement
from shared.ids import keyed_id, new_id, new_referral_code
from shared.storage import customers, dynamodb, points
from shared.storage.customers import CustomerRecord
from shared.storage.dynamodb import TransactionCancelled, TransactionConflicted
from shared.values import value_class


@value_class
class MemberRow:
    """One member as a file gives it: ``profile`` the profile fields present, ``attributes`` the custom
    attributes present, ``points`` the balance (0: none), ``expires_ms`` when those points expire."""

    source_id: str
    profile: Mapping[str, Any]
    attributes: Mapping[str, Any]
    points: int = 0
    expires_ms: int | None = None


@value_class
class Seen:
    """A member as read before its row runs (``read_members``): its profile, and whether its opening
    balance is in."""

    profile: CustomerRecord | None
    balance_opened: bool


def read_members(app_id: str, source_ids: Sequence[str]) -> dict[str, Seen]:
    """What ``import_member`` needs of many members, read in batches (a chunk's rows need no read each)."""
    wanted = [(source_id, opening_balance_txn_id(app_id, source_id)) for source_id in dict.fromkeys(source_ids)]
    found = points.read_members(app_id, wanted)
    return {source_id: Seen(found[source_id][0], txn_id in found[source_id][1]) for source_id, txn_id in wanted}


def import_member(app_id: str, row: MemberRow, seen: Seen | None = None) -> RowOutcome:
    """Bring one member in; what it did to the member (``unchanged``: the member already held it all).
    ``seen``: the member as read just before (read here when not given)."""
    if seen is None:
        seen = read_members(app_id, [row.source_id])[row.source_id]
    if seen.profile is None and _create_member(app_id, row):
        return "created"
    outcome: RowOutcome = "unchanged"
    if seen.profile is None or not _holds(seen.profile, row):
        upserted = upsert_customer(app_id, row.source_id, CustomerChanges(profile=row.profile), row.attributes)
        outcome = "created" if upserted.created else "updated"
    if row.points > 0 and not seen.balance_opened:
        txn_id = opening_balance_txn_id(app_id, row.source_id)
        if ledger.open_balance(app_id, row.source_id, txn_id, row.points, row.expires_ms) and outcome == "unchanged":
            outcome = "updated"
    return outcome


def opening_balance_txn_id(app_id: str, source_id: str) -> str:
    return keyed_id("txn", app_id, source_id, "import")


def _create_member(app_id: str, row: MemberRow) -> bool:
    """A new member with its profile, referral code and opening balance in one transaction; False when
    the member appeared meanwhile (or the new referral code was taken): the caller goes the long way."""
    now_ms = clock.now_epoch_ms()
    fields = dict(row.profile)
    if row.attributes:
        fields["attributes"] = merged_attributes({}, row.attributes)
    placed = None
    if row.points > 0:
        opening = ledger.opening_balance(opening_balance_txn_id(app_id, row.source_id), row.points, row.expires_ms)
        placed = placement.place(app_id, row.source_id, placement.PointsState.empty(), [opening], now_ms).write()
    code = new_referral_code()
    now = clock.iso_from_epoch_ms(now_ms)
    profile = customers.new_profile(
        app_id, row.source_id, new_id("cust"), code, now, fields, points=placed.after if placed else None
    )
    entries = points.ledger_writes(placed) if placed else []
    try:
        dynamodb.transact_write([profile, customers.code_claim(app_id, code, row.source_id), *entries])
    except (TransactionCancelled, TransactionConflicted):
        return False
    return True


def _holds(current: CustomerRecord, row: MemberRow) -> bool:
    return all(getattr(current, name) == value for name, value in row.profile.items()) and all(
        current.attributes.get(name) == value for name, value in row.attributes.items()
    )
