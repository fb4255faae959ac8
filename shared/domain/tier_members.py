"""A member's tier as a read shows it, overrides, and the scheduled job that records drops and announces
them ahead. The rules are ``shared.domain.tiers`` (pure); the program is ``shared.domain.tier_program``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from fractions import Fraction

from shared import clock
from shared.clock import DAY_MS
from shared.domain import tiers
from shared.domain.customers import get_customer, list_customers
from shared.domain.tier_program import program
from shared.entities.numbers import Number
from shared.entities.tiers import Override, TierChange, TierProgram
from shared.errors import ServiceUnavailable, ValidationFailed
from shared.retries import retries
from shared.storage import customers, dynamodb, keys
from shared.storage import tiers as store
from shared.storage.customers import CustomerRecord
from shared.storage.dynamodb import TransactionCancelled
from shared.values import value_class


def member_tier(app_id: str, record: CustomerRecord) -> tiers.TierView | None:
    """The member's tier now (None: the application has no program)."""
    found = store.recent_program(app_id)
    if found is None:
        return None
    now_ms = clock.now_epoch_ms()
    state, _ = customers.tier_state_of(record.tier_state)
    months = counted_months(found, record)
    judged, _ = tiers.at(found, state, months, now_ms)
    return tiers.view(found, judged, months, store.override_from_item(record.tier_override), now_ms)


def counted_months(found: TierProgram, record: CustomerRecord) -> Mapping[str, Number]:
    """The profile's counter the program qualifies on: points earned, or spend (never the two mixed)."""
    return record.tier_spend_months if found.qualify_on == "spend" else record.tier_months


@value_class
class TierBenefit:
    """What the member's tier gives an earning rule's credit, and how its description states it."""

    multiplier: Fraction | None = None
    stated: str = ""


def tier_benefit(app_id: str, record: CustomerRecord) -> TierBenefit:
    """The multiplier of the tier that applies to the member now (an override's while it lasts)."""
    view = member_tier(app_id, record)
    found = store.recent_program(app_id)
    factor = tiers.multiplier(found, view.name if view else None)
    if factor is None or view is None:
        return TierBenefit()
    return TierBenefit(Fraction(Decimal(repr(factor))), f" ({view.name} tier x{factor:g})")


def eligibility_tier(app_id: str, record: CustomerRecord) -> tuple[str | None, tuple[str, ...]]:
    """The tier eligibility judges the member by, and the program's tiers lowest first: with a program,
    the tier that applies now; without one, the profile's text tier and no order."""
    view = member_tier(app_id, record)
    found = store.recent_program(app_id)
    if view is None or found is None:
        return record.tier, ()
    return view.name, tuple(tier.name for tier in found.tiers)


def set_override(app_id: str, source_id: str, name: str, until_ms: int, reason: str | None) -> tiers.TierView:
    """A floor of ``name`` until ``until_ms``: shown as such, and gone at that time."""
    found = program(app_id)
    now_ms = clock.now_epoch_ms()
    if found.index_of(name) is None:
        raise ValidationFailed(f"name: {name} is not a tier of the program ({', '.join(t.name for t in found.tiers)})")
    if until_ms <= now_ms:
        raise ValidationFailed("until: must be in the future")
    _write_override(app_id, source_id, Override(name, until_ms, now_ms, reason))
    view = member_tier(app_id, get_customer(app_id, source_id))
    assert view is not None
    return view


def clear_override(app_id: str, source_id: str) -> None:
    program(app_id)
    _write_override(app_id, source_id, None)


def _write_override(app_id: str, source_id: str, override: Override | None) -> None:
    """Over the override read (the audit log's before); removing none writes nothing."""
    for _ in retries():
        record = get_customer(app_id, source_id)
        before = store.override_from_item(record.tier_override)
        if before is None and override is None:
            return
        try:
            store.write_override(app_id, source_id, record.customer_id, before, override)
        except store.OverrideChanged:
            continue
        return
    raise ServiceUnavailable


def customers_with_tiers(
    app_id: str, limit: int, cursor: str | None, prefix: str | None
) -> tuple[list[tuple[CustomerRecord, tiers.TierView | None]], str | None]:
    """A page of customers (``list_customers``), each with its tier now (one program read for the page)."""
    found, next_cursor = list_customers(app_id, limit, cursor, prefix)
    return [(record, member_tier(app_id, record)) for record in found], next_cursor


def customer_with_tier(app_id: str, source_id: str) -> tuple[CustomerRecord, tiers.TierView | None]:
    record = get_customer(app_id, source_id)
    return record, member_tier(app_id, record)


# ------------------------------------------------------------------------------------------ the job

# Members read from the tier-due index per query, and shards worked at once.
BATCH_SIZE = 100
PARALLEL_SHARDS = 4


@value_class
class TierJobReport:
    members_changed: int  # members for whom this run recorded a drop or announced one
    changes_written: int  # tier.downgraded and tier.downgrade_pending items
    members_read: int  # members the index listed as due (a member with nothing due is never read)
    members_skipped: int  # left to the next run: their writes kept racing this run's
    backlog_left: bool


def settle_due(time_left_ms: Callable[[], int], safety_ms: int = 5_000) -> TierJobReport:
    """Record the drops due by now and announce those ``notice_days`` ahead, member by member through the
    tier-due index (never a scan), each in one transaction conditioned on the profile's ledger head and
    tier state as read, each change an item written once: two runs at once, or a run racing the member's
    own write, record each change once (the loser reads again and finds it done). A read shows the same
    tier before any run (``member_tier``): the job only records and announces."""
    now_ms = clock.now_epoch_ms()

    def work_shard(shard: int) -> tuple[int, int, int, int, bool]:
        changed = written = read = skipped = 0
        position = None
        while True:
            if time_left_ms() <= safety_ms:
                return changed, written, read, skipped, True
            due, position = store.due_members(shard, now_ms, BATCH_SIZE, position)
            read += len(due)
            for app_id, source_id in due:
                count = _settle_member(app_id, source_id, now_ms)
                if count is None:
                    skipped += 1
                else:
                    changed += count > 0
                    written += count
            if position is None:
                return changed, written, read, skipped, skipped > 0

    with ThreadPoolExecutor(max_workers=PARALLEL_SHARDS) as pool:
        tallies = list(pool.map(work_shard, range(keys.TIER_DUE_SHARDS)))
    return TierJobReport(
        members_changed=sum(t[0] for t in tallies),
        changes_written=sum(t[1] for t in tallies),
        members_read=sum(t[2] for t in tallies),
        members_skipped=sum(t[3] for t in tallies),
        backlog_left=any(t[4] for t in tallies),
    )


def _settle_member(app_id: str, source_id: str, now_ms: int) -> int | None:
    """Changes written for one member (0: nothing was due any more); None: every attempt lost a race."""
    for _ in retries():
        profile = customers.get(app_id, source_id)
        found = store.recent_program(app_id)
        if profile is None or found is None:
            dynamodb.transact_write([store.due_write(app_id, source_id, None)])
            return 0
        read_state, read_due = customers.tier_state_of(profile.tier_state)
        months = counted_months(found, profile)
        judged, changes = tiers.at(found, read_state, months, now_ms)
        announced = read_due
        drop = tiers.first_drop(found, judged, months, now_ms)
        noticed = drop is not None and drop.at_ms - found.notice_days * DAY_MS <= now_ms
        if drop is not None and noticed and found.notice_days and read_due is not None and read_due < drop.at_ms:
            changes = [*changes, drop]
            announced = drop.at_ms
        due_ms = tiers.due_at(found, judged, months, now_ms, announced)
        try:
            dynamodb.transact_write(
                [
                    customers.tier_state_update(app_id, profile, judged, due_ms),
                    *[store.change_put(app_id, source_id, c, _announced_as(c, now_ms)) for c in changes],
                    store.due_write(app_id, source_id, due_ms),
                    *store.member_moves(app_id, source_id, read_state.held if read_state else None, judged.held),
                ]
            )
        except (TransactionCancelled, ServiceUnavailable):
            continue
        return len(changes)
    return None


def _announced_as(change: TierChange, now_ms: int) -> str:
    return "tier.downgrade_pending" if change.at_ms > now_ms else f"tier.{change.kind}"
