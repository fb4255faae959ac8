"""The tier program's item (beside the application), each container's copy of it, a member's tier state
as the profile keeps it, the tier-due items the scheduled job reads through the due index, and the tier
change items the outbox announces. Storage decides nothing: ``shared.domain.tiers`` does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from shared.entities.tiers import Override, Tier, TierChange, TierProgram, TierWrite
from shared.storage import due, dynamodb, keys
from shared.storage.dynamodb import Delete, Expression, Item, Put, TransactAction
from shared.storage.versioned_cache import VersionedCache

# Every credit reads the program (its tier multiplier, its upgrade): from each container's copy, at most
# STALENESS_SECONDS old, as the points policy. The item is as small as a version item: its own version.
PROGRAM_CACHE: VersionedCache[TierProgram | None] = VersionedCache()


def get_program(app_id: str) -> TierProgram | None:
    item = dynamodb.get_item(keys.tier_program(app_id))
    return program_from_item(item) if item else None


def recent_program(app_id: str) -> TierProgram | None:
    return PROGRAM_CACHE.get_whole(app_id, lambda: get_program(app_id))


def put_program(app_id: str, program: TierProgram) -> None:
    """This container's copy is forgotten whatever the outcome (an error may follow a write that was made)."""
    try:
        dynamodb.put_item({**keys.tier_program(app_id), "type": "tier_program", **_program_item(program)})
    finally:
        PROGRAM_CACHE.forget(app_id)


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
    """A write's tier changes (each once) and, when it moved, the member's place on the tier-due index."""
    if tier is None:
        return []
    actions: list[TransactAction] = [change_put(app_id, source_id, change) for change in tier.changes]
    if tier.due_moved:
        actions.append(due_write(app_id, source_id, tier.due_ms))
    return actions
