"""The tier program an application sets (the rules are ``shared.domain.tiers``): read exactly here, and
from each container's copy where every request needs it (``storage.tiers.recent_program``). Members'
tiers are ``shared.domain.tier_members``."""

from __future__ import annotations

from collections.abc import Sequence

from shared import clock
from shared.entities.tiers import DowngradePolicy, QualifyOn, Tier, TierProgram
from shared.errors import NotFound, ServiceUnavailable
from shared.retries import retries
from shared.storage import tiers as store
from shared.values import value_class


class NoTierProgram(NotFound):
    def __init__(self) -> None:
        super().__init__("This application has no tier program: PUT /settings/tiers first")


def program(app_id: str) -> TierProgram:
    found = store.get_program(app_id)
    if found is None:
        raise NoTierProgram
    return found


def set_program(
    app_id: str,
    tier_list: Sequence[Tier],
    rolling_months: int | None,
    policy: DowngradePolicy,
    grace_days: int,
    notice_days: int,
    qualify_on: QualifyOn = "points_earned",
) -> TierProgram:
    """Replace the program: members are judged by it from now, each at its next read or write (lazily:
    no job walks the members). Written over the program read (the audit log's before): a concurrent
    change makes this read again."""
    for _ in retries():
        before = store.get_program(app_id)
        now_ms = clock.now_epoch_ms()
        stored = TierProgram(
            tuple(tier_list),
            rolling_months,
            policy,
            grace_days,
            notice_days,
            clock.iso_from_epoch_ms(now_ms),
            now_ms,
            qualify_on,
        )
        try:
            store.put_program(app_id, before, stored)
        except store.ProgramChanged:
            continue
        return stored
    raise ServiceUnavailable


@value_class
class TierDistribution:
    """Members per tier as stored: ``tiers`` the program's, lowest first (zeros included); ``former`` the
    names a previous program had that still count members (until each member's next qualifying write or
    tier job run judges it by this program)."""

    program: TierProgram
    tiers: list[tuple[str, int]]
    former: list[tuple[str, int]]


def distribution(app_id: str) -> TierDistribution:
    found = program(app_id)
    counts = store.distribution(app_id)
    names = [tier.name for tier in found.tiers]
    former = sorted((name, count) for name, count in counts.items() if name not in names and count)
    return TierDistribution(found, [(name, counts.get(name, 0)) for name in names], former)
