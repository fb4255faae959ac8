"""A tier program and a member's tier as the domain decides them and storage keeps them (the rules are
``shared.domain.tiers``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from shared.entities.numbers import Number
from shared.values import value_class

DowngradePolicy = Literal["one_down", "to_qualified"]
# points_earned: qualifying credits less their reversals; spend: order value less returns (money)
QualifyOn = Literal["points_earned", "spend"]


@value_class
class Tier:
    name: str
    threshold: int
    multiplier: float | None = None


@value_class
class TierProgram:
    """``rolling_months`` None: the calendar year. ``version``: what tells a member's state it was judged
    under another program (the program's update time); ``changed_ms``: when it took effect."""

    tiers: tuple[Tier, ...]
    rolling_months: int | None
    policy: DowngradePolicy
    grace_days: int
    notice_days: int
    version: str
    changed_ms: int
    qualify_on: QualifyOn = "points_earned"

    def index_of(self, name: str | None) -> int | None:
        return next((i for i, tier in enumerate(self.tiers) if tier.name == name), None)

    def qualified(self, total: Number) -> int:
        """The highest tier ``total`` reaches (the first tier's threshold is 0)."""
        return max(i for i, tier in enumerate(self.tiers) if tier.threshold <= total)


@value_class
class TierState:
    """What the profile stores: the tier held, since when, when the total fell below it (a drop pending),
    and the time it was judged up to, under which program."""

    held: str
    since_ms: int
    fell_ms: int | None
    evaluated_ms: int
    version: str


@value_class
class Override:
    name: str
    until_ms: int
    set_ms: int
    reason: str | None = None


@value_class
class TierChange:
    kind: Literal["upgraded", "downgraded"]
    previous: str
    tier: str
    at_ms: int


@value_class
class SpendWrite:
    """The profile's qualifying spend by month once a write's order or return is in, and the version
    read: a write that moves spend but no points is conditioned on it (the ledger head does not move)."""

    months: Mapping[str, Number]
    read_version: int


@value_class
class TierWrite:
    """A profile's tier part once a write is in: its qualifying points by month, its tier state (None: no program,
    left as stored) with when the tier job has something to do, the changes to announce, and whether the
    due time moved (its index item is then written), its qualifying spend when it moved, and the tier held
    as read (``read_held``: what the tier distribution counts the member in until this write)."""

    months: Mapping[str, Number]
    state: TierState | None
    due_ms: int | None = None
    changes: Sequence[TierChange] = ()
    due_moved: bool = False
    spend: SpendWrite | None = None
    read_held: str | None = None
