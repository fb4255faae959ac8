"""The tier program's item (beside the application), each container's copy of it, a member's tier state
as the profile keeps it, the tier-due items the scheduled job reads through the due index, and the tier
change items the outbox announces. Storage decides nothing: ``shared.domain.tiers`` does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from shared.entities.tiers import Override, Tier, TierChange, TierProgram, TierWrite
from shared.storage import audit, due, dynamodb, keys
from shared.storage.dynamodb import Delete, Expression, Item, Put, TransactAction, TransactionCancelled, Update
from shared.storage.versioned_cache import VersionedCache

# Every credit reads the program (its tier multiplier, its upgrade): from each container's copy, at most
# STALENESS_SECONDS old, as the points policy. The item is as small as a version item: its own version.
PROGRAM_CACHE: VersionedCache[TierProgram | None] = VersionedCache()


def get_program(app_id: str) -> TierProgram | None:
    item = dynamodb.get_item(keys.tier_program(app_id))
    return program_from_item(item) if item else None


def recent_program(app_id: str) -> TierProgram | None:
    return PROGRAM_CACHE.get_whole(app_id, lambda: get_program(app_id))


class ProgramChanged(Exception):
    """The program changed since it was read."""


def put_program(app_id: str, before: TierProgram | None, program: TierProgram) -> None:
    """``program`` over ``before``, the program read (``ProgramChanged`` when it changed), with its audit
    entry (the settings object ``tiers``). This container's copy is forgotten whatever the outcome (an
    error may follow a write that was made)."""
    read = (
        Expression("attribute_not_exists(PK)")
        if before is None
        else Expression("changed_ms = :read", values={":read": before.changed_ms})
    )
    change = audit.entry(
        app_id,
        "settings",
        "tiers",
        "created" if before is None else "updated",
        None if before is None else _audited(before),
        _audited(program),
    )
    try:
        item = {**keys.tier_program(app_id), "type": "tier_program", **_program_item(program)}
        audit.audited([Put(item, read)], change)
    except TransactionCancelled as error:
        raise ProgramChanged from error
    finally:
        PROGRAM_CACHE.forget(app_id)


def _audited(program: TierProgram) -> Item:
    """The program as the audit log shows it: its settings, not its own version and time."""
    item = _program_item(program)
    del item["version"], item["changed_ms"]
    return item


def _program_item(program: TierProgram) -> Item:
    item = asdict(program)
    item["tiers"] = [{k: v for k, v in asdict(tier).items() if v is not None} for tier in program.tiers]
    return item


def program_from_item(item: Item) -> TierProgram:
    return TierProgram(
        tiers=tuple(Tier(t["name"], int(t["threshold"]), t.get("multiplier")) for t in item["tiers"]),
        rolling_months=item.get("rolling_months"),
        policy=item["policy"],
        grace_days=int(item["grace_days"]),
        notice_days=int(item["notice_days"]),
        version=item["version"],
        changed_ms=int(item["changed_ms"]),
        qualify_on=item.get("qualify_on", "points_earned"),
    )


# ------------------------------------------------------------------------------------------ the profile


def override_from_item(value: Mapping[str, Any] | None) -> Override | None:
    if not value:
        return None
    return Override(value["name"], int(value["until_ms"]), int(value["set_ms"]), value.get("reason"))


def override_item(override: Override) -> Item:
    return {k: v for k, v in asdict(override).items() if v is not None}


class OverrideChanged(Exception):
    """The member's override changed (or the member went) since it was read."""


def write_override(
    app_id: str, source_id: str, customer_id: str, before: Override | None, override: Override | None
) -> None:
    """``override`` (None: removed) over ``before``, the override read, with its audit entry on the
    customer (by its ``cust_`` id). The entry holds the tier and the date, never the reason: free text a
    merchant may fill with the person, which erasure removes from the profile and could not from the log."""
    text = "SET tier_override = :override" if override else "REMOVE tier_override"
    values: dict[str, Any] = {":override": override_item(override)} if override else {}
    if before is None:
        read = Expression("attribute_exists(PK) AND attribute_not_exists(tier_override)")
    else:
        read = Expression("tier_override.set_ms = :read", values={":read": before.set_ms})
    change = audit.entry(
        app_id,
        "customer",
        customer_id,
        "tier_overridden" if override else "tier_override_removed",
        _audited_override(before),
        _audited_override(override),
    )
    try:
        write = Update(keys.customer(app_id, source_id), Expression(text, values=values), condition=read)
        audit.audited([write], change)
    except TransactionCancelled as error:
        raise OverrideChanged from error


def _audited_override(override: Override | None) -> Item | None:
    if override is None:
        return None
    return {"tier_override": {"name": override.name, "until_ms": override.until_ms}}


def due_write(app_id: str, source_id: str, due_ms: int | None) -> TransactAction:
    """The member's place on the tier-due index (none: nothing is due)."""
    if due_ms is None:
        return Delete(keys.tier_due(app_id, source_id))
    return Put(
        {**keys.tier_due(app_id, source_id), **keys.tier_due_entry(due_ms, app_id, source_id), "type": "tier_due"}
    )


def change_put(app_id: str, source_id: str, change: TierChange, kind: str | None = None) -> Put:
    """A tier change, written once (``kind``: what it announces, when not the change itself)."""
    announced = kind or f"tier.{change.kind}"
    return Put(
        {
            **keys.tier_change(app_id, source_id, change.at_ms, announced, change.tier),
            "type": "tier_change",
            "event_type": announced,
            "source_id": source_id,
            "previous": change.previous,
            "tier": change.tier,
            "at_ms": change.at_ms,
        },
        condition=Expression("attribute_not_exists(PK)"),
    )


def due_members(
    shard: int, now_ms: int, limit: int, start_after: Item | None = None
) -> tuple[list[tuple[str, str]], Item | None]:
    """``(app_id, source_id)`` of up to ``limit`` members of one shard with a drop or notice due by now."""
    return due.customers_due(keys.tier_due_shard_partition(shard), now_ms // 1000, limit, start_after)


def writes(app_id: str, source_id: str, tier: TierWrite | None) -> list[TransactAction]:
    """A write's tier changes (each once), when it moved, the member's place on the tier-due index, and
    the tier distribution's move (the caller conditions the profile's update on ``read_held``)."""
    if tier is None:
        return []
    actions: list[TransactAction] = [change_put(app_id, source_id, change) for change in tier.changes]
    if tier.due_moved:
        actions.append(due_write(app_id, source_id, tier.due_ms))
    if tier.state is not None:
        actions += member_moves(app_id, source_id, tier.read_held, tier.state.held)
    return actions


# ------------------------------------------------------------------------------------------ distribution


def member_moves(app_id: str, source_id: str, counted: str | None, held: str | None) -> list[TransactAction]:
    """The member leaves the count of ``counted`` and joins that of ``held`` (None: no tier), in its shard;
    nothing when they are the same. The caller conditions the profile on ``counted`` as read."""
    if counted == held:
        return []
    moves: list[TransactAction] = []
    for tier, step in ((counted, -1), (held, 1)):
        if tier is not None:
            moves.append(
                Update(
                    keys.tier_members(app_id, source_id, tier),
                    Expression(
                        "SET #type = :type ADD members :step",
                        {"#type": "type"},
                        {":type": "tier_members", ":step": step},
                    ),
                )
            )
    return moves


def distribution(app_id: str) -> dict[str, int]:
    """Members per held tier name (every name ever counted, zeros included): a query per shard."""
    counts: dict[str, int] = {}
    for shard in range(keys.TIER_MEMBER_SHARDS):
        condition = Expression(
            "PK = :pk AND begins_with(SK, :tier)",
            values={":pk": keys.tier_members_partition(app_id, shard), ":tier": keys.TIER_MEMBERS_SK_PREFIX},
        )
        for item in dynamodb.query_all(condition):
            name = str(item["SK"]).removeprefix(keys.TIER_MEMBERS_SK_PREFIX)
            counts[name] = counts.get(name, 0) + int(item["members"])
    return counts
