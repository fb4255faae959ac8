"""Tiers: what a member qualifies for over a window, the tier held (upgrades at once, downgrades after a
grace), and the gap to the next tier and to keeping this one. Pure: no I/O, dataclasses in and out, so
the tier at read is a function of the profile's qualifying months, its stored tier state and the time
(property-tested against a day-by-day replay of the ledger, tests/unit/test_tiers.py).

Design notes
- Qualifying points are kept per UTC calendar month of the credit's event time (``months``: "YYYY-MM" ->
  points), so event time decides and a reversal subtracts from its credit's month. A rolling window of
  N months counts the current month and the N-1 before it (a credit 13 months old never counts in 12);
  a calendar window counts the current year. Without new credits the qualifying total only falls, at
  the start of a month (rolling) or of a year (calendar).
- On ``qualify_on: "spend"`` the same rules run over the profile's other counter, the order value by
  month of the order's time less its returns (exact decimals): the two counters are never mixed, so a
  program switching between them judges each member by the counter it names, kept all along.
- Upgrades happen in the write that crosses a threshold. When the qualifying total falls below the held
  tier's threshold (a month leaving the window, or a reversal), the member keeps the tier through
  ``grace_days`` counted from the end of that UTC day, then drops (``one_down``: one tier, judged again
  from then with a new grace; ``to_qualified``: to the tier the total qualifies for). Qualifying again
  before the drop cancels it. So every change time drives is at a UTC midnight.
- A read evolves the stored state to now (``evolve``): right before any scheduled job has run. The job
  only records what a read already shows (and announces it).
- A new program (its ``version`` differs from the state's) judges the member from the later of the
  program's change and the state's last evaluation: the held tier is kept by name when the new program
  has it (then the grace rules apply), else the member takes the tier the total qualifies for. A member
  the new program raises above its held tier is upgraded at that time: the change the next write (or
  the tier job) records, once (its item is keyed by that time).
- An override is a floor until a date: the tier shown is the higher of the held one and the override's
  while it lasts, and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime

from shared.clock import DAY_MS
from shared.entities.numbers import Number
from shared.entities.tiers import Override, QualifyOn, TierChange, TierProgram, TierState
from shared.values import value_class

# ------------------------------------------------------------------------------------------ months


def month_index(epoch_ms: int) -> int:
    moment = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    return moment.year * 12 + moment.month - 1


def month_key(epoch_ms: int) -> str:
    """The month a credit with this event time qualifies in."""
    return _key_of(month_index(epoch_ms))


def _key_of(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _index_of_key(key: str) -> int:
    year, month = key.split("-")
    return int(year) * 12 + int(month) - 1


def _month_start_ms(index: int) -> int:
    return round(datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC).timestamp() * 1000)


def first_counted_month(program: TierProgram, at_ms: int) -> int:
    current = month_index(at_ms)
    return current - program.rolling_months + 1 if program.rolling_months else current - current % 12


def qualifying(program: TierProgram, months: Mapping[str, Number], at_ms: int) -> Number:
    """The qualifying total at ``at_ms`` (points, or money on spend): the months of the window then."""
    first, last = first_counted_month(program, at_ms), month_index(at_ms)
    return sum((amount for key, amount in months.items() if first <= _index_of_key(key) <= last), 0)


def _next_window_move(program: TierProgram, at_ms: int) -> int:
    """The next time the window drops a month (a new month, or a new year)."""
    current = month_index(at_ms)
    return _month_start_ms(current + 1 if program.rolling_months else current - current % 12 + 12)


def kept_months(program_months: int | None, at_ms: int, months: Mapping[str, Number]) -> dict[str, Number]:
    """``months`` without those no window of ``program_months`` (the longest allowed) can count again."""
    first = month_index(at_ms) - (program_months or 12) + 1
    return {key: points for key, points in months.items() if _index_of_key(key) >= first and points}


def drop_at(program: TierProgram, fell_ms: int) -> int:
    """When a member whose total fell at ``fell_ms`` drops: ``grace_days`` after the end of that UTC day."""
    return -(-fell_ms // DAY_MS) * DAY_MS + program.grace_days * DAY_MS


# ------------------------------------------------------------------------------------------ the held tier


def start(
    program: TierProgram, state: TierState | None, months: Mapping[str, Number], now_ms: int
) -> tuple[TierState, list[TierChange]]:
    """The state to evolve: the stored one under this program, or the member judged from the program's
    change (its held tier kept by name when the program has it; raised above it, an upgrade at that time)."""
    if state is not None and state.version == program.version:
        return state, []
    at = max(program.changed_ms, state.evaluated_ms if state else 0)
    at = min(at, now_ms)
    held = state.held if state is not None and program.index_of(state.held) is not None else None
    qualified = program.qualified(qualifying(program, months, at))
    if held is None or qualified > program.index_of(held):  # type: ignore[operator]
        name = program.tiers[qualified].name
        raised = [TierChange("upgraded", held, name, at)] if held is not None else []
        return TierState(name, at, None, at, program.version), raised
    assert state is not None
    return TierState(held, state.since_ms, None, at, program.version), []


def evolve(
    program: TierProgram, state: TierState, months: Mapping[str, Number], until_ms: int
) -> tuple[TierState, list[TierChange]]:
    """The state at ``until_ms`` with no credit between: the window moving, grace running out."""
    changes: list[TierChange] = []
    at = state.evaluated_ms
    held = program.index_of(state.held)
    assert held is not None
    since, fell = state.since_ms, state.fell_ms
    while True:
        total = qualifying(program, months, at)
        below = total < program.tiers[held].threshold
        fell = (fell if fell is not None else at) if below else None
        if held == 0:
            break
        moves = [_next_window_move(program, at)]
        if fell is not None:
            moves.append(drop_at(program, fell))
        at_next = min(moves)
        if at_next > until_ms:
            break
        at = at_next
        if fell is not None and at >= drop_at(program, fell):
            total = qualifying(program, months, at)
            if total < program.tiers[held].threshold:
                lower = held - 1 if program.policy == "one_down" else program.qualified(total)
                changes.append(TierChange("downgraded", program.tiers[held].name, program.tiers[lower].name, at))
                held, since = lower, at
            fell = None
    return TierState(program.tiers[held].name, since, fell, max(until_ms, state.evaluated_ms), program.version), changes


def after_credit(
    program: TierProgram, state: TierState, months: Mapping[str, Number], now_ms: int
) -> tuple[TierState, list[TierChange]]:
    """``state`` (evolved to ``now_ms``) once ``months`` hold a write's credits or reversals: an upgrade at
    once, a fall below the held tier starting its grace, a climb back cancelling it."""
    total = qualifying(program, months, now_ms)
    held = program.index_of(state.held)
    assert held is not None
    qualified = program.qualified(total)
    if qualified > held:
        name = program.tiers[qualified].name
        return TierState(name, now_ms, None, now_ms, program.version), [
            TierChange("upgraded", state.held, name, now_ms)
        ]
    below = total < program.tiers[held].threshold
    fell = (state.fell_ms if state.fell_ms is not None else now_ms) if below else None
    return replace(state, fell_ms=fell, evaluated_ms=now_ms), []


def at(
    program: TierProgram, state: TierState | None, months: Mapping[str, Number], now_ms: int
) -> tuple[TierState, list[TierChange]]:
    """The member's state at ``now_ms`` and the changes time made since it was stored."""
    started, raised = start(program, state, months, now_ms)
    evolved, changes = evolve(program, started, months, now_ms)
    return evolved, raised + changes


# ------------------------------------------------------------------------------------------ the view


@value_class
class Gap:
    name: str | None
    needed: Number
    by_ms: int | None


@value_class
class TierView:
    """What a read shows: ``name`` is the tier that applies (the override's while it lasts and is higher)."""

    name: str
    since_ms: int
    qualifying: Number
    next: Gap | None
    keep: Gap | None
    override: Override | None
    held: str
    drops_at_ms: int | None  # when the held tier drops if nothing more is earned
    qualify_on: QualifyOn  # what ``qualifying`` counts

    @property
    def overridden(self) -> bool:
        return self.override is not None and self.name != self.held


def view(
    program: TierProgram, state: TierState, months: Mapping[str, Number], override: Override | None, now_ms: int
) -> TierView:
    """``state`` is evolved to ``now_ms``. ``next``: the points to earn to reach the tier above (the
    window's end is when earlier months stop counting); ``keep``: to keep the held tier, the points the
    window must hold at the drop, earned by then."""
    held = program.index_of(state.held)
    assert held is not None
    total = qualifying(program, months, now_ms)
    upper = program.tiers[held + 1] if held + 1 < len(program.tiers) else None
    next_gap = Gap(upper.name, upper.threshold - total, _next_window_move(program, now_ms)) if upper else None
    drop = first_drop(program, state, months, now_ms)
    drops = drop.at_ms if drop else None
    keep = None
    if drops is not None:
        needed = program.tiers[held].threshold - qualifying(program, months, drops)
        keep = Gap(state.held, needed, drops)
    lasting = override if override is not None and override.until_ms > now_ms else None
    floor = program.index_of(lasting.name) if lasting else None
    shown = program.tiers[floor].name if floor is not None and floor > held else state.held
    since = state.since_ms if shown == state.held else lasting.set_ms  # type: ignore[union-attr]
    return TierView(shown, since, total, next_gap, keep, lasting, state.held, drops, program.qualify_on)


def first_drop(program: TierProgram, state: TierState, months: Mapping[str, Number], now_ms: int) -> TierChange | None:
    """The held tier's drop with nothing more earned (None: never: the lowest tier)."""
    far = _month_start_ms(month_index(now_ms) + (program.rolling_months or 12) + 12) + program.grace_days * DAY_MS
    _, changes = evolve(program, state, months, far)
    return changes[0] if changes else None


def due_at(
    program: TierProgram, state: TierState, months: Mapping[str, Number], now_ms: int, announced: int | None
) -> int | None:
    """When the tier job has something to do for the member: announce the drop ``notice_days`` ahead (at
    once when that time has passed), then record it (``announced``: the drop already announced)."""
    drop = first_drop(program, state, months, now_ms)
    if drop is None:
        return None
    if announced == drop.at_ms:
        return drop.at_ms
    return max(drop.at_ms - program.notice_days * DAY_MS, now_ms)


def multiplier(program: TierProgram | None, tier: str | None) -> float | None:
    """The multiplier earning rules apply for a member of ``tier`` (None: none)."""
    if program is None or tier is None:
        return None
    index = program.index_of(tier)
    return program.tiers[index].multiplier if index is not None else None


def at_least(program: TierProgram, tier: str | None, floor: str) -> bool:
    """``tier`` is ``floor`` or above in the program's order (a name the program lacks is never)."""
    have, wanted = program.index_of(tier), program.index_of(floor)
    return have is not None and wanted is not None and have >= wanted
