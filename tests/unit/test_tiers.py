"""The tier rules: for any sequence of credits, reversals and time, the tier a read shows (the stored state
evolved, as ``shared.domain.tiers`` does it between writes) equals a day-by-day replay of the ledger over
the window; and the documented boundaries (the window's first month, a threshold reached exactly, the last
instant of the grace, an override's end)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.clock import DAY_MS
from shared.domain import tiers
from shared.domain.points import placement
from shared.domain.points.placement import TierHolding
from shared.entities.numbers import Number
from shared.entities.points import Posting
from shared.entities.tiers import DowngradePolicy, Override, Tier, TierProgram, TierState

START = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1000)
HOUR_MS = 3_600_000


def program(
    thresholds: tuple[int, ...] = (0, 1000, 5000),
    rolling_months: int | None = 12,
    policy: DowngradePolicy = "one_down",
    grace_days: int = 30,
) -> TierProgram:
    names = ("Silver", "Gold", "Platinum", "Diamond", "Star")
    tier_list = tuple(Tier(names[i], threshold) for i, threshold in enumerate(thresholds))
    return TierProgram(tier_list, rolling_months, policy, grace_days, 7, "v1", START)


def ms(year: int, month: int, day: int, hour: int = 0) -> int:
    return int(datetime(year, month, day, hour, tzinfo=UTC).timestamp() * 1000)


# ------------------------------------------------------------------------------------------ the property


@dataclass(frozen=True)
class Write:
    """A credit (``reverses`` None) or a reversal of part of an earlier credit, written at ``at_ms``."""

    at_ms: int
    points: int
    event_ms: int
    reverses: int | None = None


def replay(tp: TierProgram, ledger: list[Write], now_ms: int) -> tuple[str, int, int]:
    """The reference: every midnight and every write from the first to ``now_ms``, the qualifying points
    summed from the ledger each time. (held tier, since, qualifying at now)."""

    def month_of(write: Write) -> int:
        moment = datetime.fromtimestamp(write.event_ms / 1000, UTC)
        return moment.year * 12 + moment.month - 1

    def total(written: list[Write], at: int) -> int:
        moment = datetime.fromtimestamp(at / 1000, UTC)
        current = moment.year * 12 + moment.month - 1
        first = current - tp.rolling_months + 1 if tp.rolling_months else current - current % 12
        counted = 0
        for w in written:
            month = month_of(ledger[w.reverses]) if w.reverses is not None else month_of(w)
            counted += w.points if first <= month <= current else 0
        return counted

    held, since, fell = 0, START, None
    written: list[Write] = []

    def judge_time(at: int) -> None:
        nonlocal held, since, fell
        while held > 0:
            q = total(written, at)
            if q >= tp.tiers[held].threshold:
                fell = None
                return
            fell = at if fell is None else fell
            if at < -(-fell // DAY_MS) * DAY_MS + tp.grace_days * DAY_MS:
                return
            held = held - 1 if tp.policy == "one_down" else tp.qualified(q)
            since, fell = at, None

    def judge_write(at: int) -> None:
        nonlocal held, since, fell
        q = total(written, at)
        if tp.qualified(q) > held:
            held, since, fell = tp.qualified(q), at, None
        elif q < tp.tiers[held].threshold:
            fell = at if fell is None else fell
        else:
            fell = None

    midnight = START
    for write in ledger:
        while midnight <= write.at_ms:
            judge_time(midnight)
            midnight += DAY_MS
        written.append(write)
        judge_write(write.at_ms)
    while midnight <= now_ms:
        judge_time(midnight)
        midnight += DAY_MS
    return tp.tiers[held].name, since, total(written, now_ms)


def incremental(tp: TierProgram, ledger: list[Write], now_ms: int) -> tuple[str, int, Number]:
    """What the engine does: each write evolves the stored state to its time, adds its points to the
    credit's month and judges; a read evolves the stored state to now."""
    state: TierState | None = None
    months: dict[str, int] = {}
    for write in ledger:
        evolved, _ = tiers.at(tp, state, months, write.at_ms)
        credit = ledger[write.reverses] if write.reverses is not None else write
        key = tiers.month_key(credit.event_ms)
        months = {**months, key: months.get(key, 0) + write.points}
        state, _ = tiers.after_credit(tp, evolved, months, write.at_ms)
    read, _ = tiers.at(tp, state, months, now_ms)
    return read.held, read.since_ms, tiers.qualifying(tp, months, now_ms)


@st.composite
def programs(draw: st.DrawFn) -> TierProgram:
    steps = draw(st.lists(st.integers(1, 3000), min_size=1, max_size=4))
    thresholds = [0]
    for step in steps:
        thresholds.append(thresholds[-1] + step)
    return program(
        tuple(thresholds),
        draw(st.one_of(st.none(), st.integers(1, 24))),
        draw(st.sampled_from(["one_down", "to_qualified"])),
        draw(st.integers(0, 60)),
    )


@st.composite
def ledgers(draw: st.DrawFn) -> list[Write]:
    ledger: list[Write] = []
    at = START
    for _ in range(draw(st.integers(0, 12))):
        at += draw(st.integers(0, 90 * 24)) * HOUR_MS
        reversible = [i for i, w in enumerate(ledger) if w.reverses is None and left(ledger, i) > 0]
        reverses = draw(st.booleans())
        if reversible and reverses:
            credit = draw(st.sampled_from(reversible))
            taken = draw(st.integers(1, left(ledger, credit)))
            ledger.append(Write(at, -taken, ledger[credit].event_ms, credit))
        else:
            backdated = draw(st.integers(0, 500 * 24)) * HOUR_MS
            ledger.append(Write(at, draw(st.integers(1, 4000)), at - backdated))
    return ledger


def left(ledger: list[Write], credit: int) -> int:
    return ledger[credit].points + sum(w.points for w in ledger if w.reverses == credit)


@settings(max_examples=300, deadline=None)
@given(programs(), ledgers(), st.integers(0, 800 * 24))
def test_the_tier_at_read_is_the_tier_replayed_from_the_ledger(
    tp: TierProgram, ledger: list[Write], hours_after: int
) -> None:
    now_ms = (ledger[-1].at_ms if ledger else START) + hours_after * HOUR_MS
    assert incremental(tp, ledger, now_ms) == replay(tp, ledger, now_ms)


# ------------------------------------------------------------------------------------------ boundaries


def test_a_rolling_window_counts_the_current_month_and_the_months_before_it() -> None:
    months = {"2025-11": 100, "2025-12": 10}  # at 2026-11-30: 2025-12 is the 12th month back, 2025-11 the 13th
    assert tiers.qualifying(program(), months, ms(2026, 11, 30, 23)) == 10
    assert tiers.qualifying(program(), months, ms(2026, 12, 1)) == 0
    assert tiers.qualifying(program(rolling_months=1), {"2026-11": 5}, ms(2026, 11, 30)) == 5


def test_a_calendar_window_counts_the_current_year_only() -> None:
    months = {"2025-12": 100, "2026-01": 10, "2026-12": 1}  # a month not begun yet does not count yet
    assert tiers.qualifying(program(rolling_months=None), months, ms(2026, 6, 1)) == 10
    assert tiers.qualifying(program(rolling_months=None), months, ms(2026, 12, 31, 23)) == 11
    assert tiers.qualifying(program(rolling_months=None), months, ms(2025, 12, 31, 23)) == 100


def test_a_threshold_reached_exactly_qualifies() -> None:
    tp = program()
    assert [tp.tiers[tp.qualified(p)].name for p in (999, 1000, 4999, 5000)] == ["Silver", "Gold", "Gold", "Platinum"]


def test_the_drop_comes_grace_days_after_the_end_of_the_day_of_the_fall() -> None:
    tp = program()
    gold = TierState("Gold", START, ms(2026, 3, 10, 15), ms(2026, 3, 10, 15), "v1")
    assert tiers.drop_at(tp, ms(2026, 3, 10, 15)) == ms(2026, 4, 10)
    assert tiers.drop_at(tp, ms(2026, 3, 10)) == ms(2026, 4, 9)  # a fall at midnight: that day is over
    assert tiers.at(tp, gold, {}, ms(2026, 4, 10) - 1)[0].held == "Gold"
    state, changes = tiers.at(tp, gold, {}, ms(2026, 4, 10))
    assert (state.held, state.since_ms) == ("Silver", ms(2026, 4, 10))
    assert [(c.kind, c.previous, c.tier) for c in changes] == [("downgraded", "Gold", "Silver")]


def test_one_down_drops_one_tier_per_grace_and_to_qualified_drops_at_once() -> None:
    platinum = TierState("Platinum", START, ms(2026, 3, 10), ms(2026, 3, 10), "v1")
    first = tiers.at(program(), platinum, {}, ms(2026, 4, 9))[0]
    assert first.held == "Gold"
    assert tiers.at(program(), first, {}, ms(2026, 5, 9) - 1)[0].held == "Gold"
    assert tiers.at(program(), first, {}, ms(2026, 5, 9))[0].held == "Silver"
    assert tiers.at(program(policy="to_qualified"), platinum, {}, ms(2026, 4, 9))[0].held == "Silver"


def test_an_override_is_a_floor_until_its_end_exclusive() -> None:
    tp = program()
    gold = TierState("Gold", START, None, START, "v1")
    months = {"2026-01": 1000}
    override = Override("Platinum", START + DAY_MS, START, "VIP")
    assert tiers.view(tp, gold, months, override, START + DAY_MS - 1).name == "Platinum"
    assert tiers.view(tp, gold, months, override, START + DAY_MS).name == "Gold"
    assert tiers.view(tp, gold, months, Override("Silver", START + DAY_MS, START), START).name == "Gold"


def test_the_gaps_name_the_points_and_the_dates() -> None:
    tp = program()
    gold = TierState("Gold", START, None, START, "v1")
    shown = tiers.view(tp, gold, {"2026-01": 1200}, None, ms(2026, 1, 15))
    assert shown.next == tiers.Gap("Platinum", 3800, ms(2026, 2, 1))
    assert shown.keep == tiers.Gap("Gold", 1000, ms(2027, 1, 31))  # January leaves on 2027-01-01, + 30 days
    top = tiers.view(tp, TierState("Platinum", START, None, START, "v1"), {"2026-01": 6000}, None, START)
    assert top.next is None


@pytest.mark.parametrize(("tier", "floor", "expected"), [("Gold", "Gold", True), ("Platinum", "Gold", True),
                                                         ("Silver", "Gold", False), ("Nope", "Gold", False),
                                                         ("Gold", "Nope", False), (None, "Silver", False)])  # fmt: skip
def test_at_least_follows_the_programs_order(tier: str | None, floor: str, expected: bool) -> None:
    assert tiers.at_least(program(), tier, floor) is expected


# ------------------------------------------------------------------------------------------ spend


def test_on_spend_the_order_value_judges_and_the_points_counter_is_never_mixed_in() -> None:
    spend = replace(program(), qualify_on="spend")
    now = ms(2026, 11, 20, 12)
    credit = Posting(txn_id="t", points=5000, reason="order_earning", operation="credit", qualifies_in="2026-11")
    holding, written = placement.placed_tier(spend, TierHolding(), [credit], now, {"2026-11": Decimal("999.99")})
    assert holding.state is not None
    assert holding.state.held == "Silver"
    assert written is not None
    assert written.spend is not None
    assert (written.months, written.spend.months) == ({"2026-11": 5000}, {"2026-11": Decimal("999.99")})
    holding, written = placement.placed_tier(spend, holding, [], now, {"2026-11": Decimal("0.01")})
    assert holding.state is not None
    assert holding.state.held == "Gold"
    assert holding.spend == {"2026-11": Decimal("1000.00")}
    points = replace(spend, qualify_on="points_earned", version="v2")
    assert tiers.qualifying(points, holding.counted(points), now) == 5000
    assert tiers.qualifying(spend, holding.counted(spend), now) == Decimal("1000")


def test_a_spend_gap_is_exact_money() -> None:
    spend = replace(program(), qualify_on="spend")
    now = ms(2026, 11, 20, 12)
    months = {"2026-11": Decimal("999.99")}
    state = tiers.at(spend, None, months, now)[0]
    gap = tiers.view(spend, state, months, None, now).next
    assert gap is not None
    assert (gap.name, gap.needed) == ("Gold", Decimal("0.01"))


def test_a_program_change_raising_the_held_tier_is_an_upgrade_at_the_change_and_a_rename_is_none() -> None:
    gold = TierState("Gold", START, None, START, "v1")
    months = {"2026-02": 1200}
    changed = ms(2026, 2, 10)
    lowered = replace(program(thresholds=(0, 1000, 1200)), version="v2", changed_ms=changed)
    state, changes = tiers.at(lowered, gold, months, ms(2026, 2, 20))
    assert (state.held, state.since_ms) == ("Platinum", changed)
    assert [(c.kind, c.previous, c.tier, c.at_ms) for c in changes] == [("upgraded", "Gold", "Platinum", changed)]
    just_below = replace(program(thresholds=(0, 1000, 1201)), version="v2", changed_ms=changed)
    assert tiers.at(just_below, gold, months, ms(2026, 2, 20)) == (
        replace(gold, evaluated_ms=ms(2026, 2, 20), version="v2"),
        [],
    )
    renamed = replace(lowered, tiers=tuple(replace(t, name=f"New {t.name}") for t in lowered.tiers))
    state, changes = tiers.at(renamed, gold, months, ms(2026, 2, 20))
    assert (state.held, changes) == ("New Platinum", [])
    recorded = tiers.at(lowered, gold, months, changed)[0]  # once stored under the new program: no second upgrade
    assert tiers.at(lowered, recorded, months, ms(2026, 2, 20))[1] == []
