"""shared/storage/allowance.py over the table: a limit split over shards is never exceeded, however many
take at once; the last unit, on whichever shard, is found; a give-back returns a unit; a new limit
(raised, lowered to the units taken, refused below them, removed, set again) keeps
``limit = left + taken`` exact. A model-based test drives random sequences of all of them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from shared.storage import allowance, dynamodb, keys
from shared.storage.allowance import Allowance, BelowUsed, NoShardFits
from shared.storage.dynamodb import TransactionCancelled
from tests.support.concurrency import fire_together
from tests.support.stateful import fresh_table, stateful_settings

APP, OWNER = "app_allowance", "own_1"
ACTIVE = {"active": True}


def create(limit: int | None, owner_id: str = OWNER) -> None:
    dynamodb.transact_write(allowance.creation(APP, owner_id, limit, ACTIVE))


def read(owner_id: str = OWNER) -> Allowance:
    return allowance.from_items(owner_id, dynamodb.batch_get(allowance.shard_keys(APP, owner_id)))


def take(owner_id: str = OWNER) -> None:
    dynamodb.transact_write([allowance.take(APP, owner_id, read(owner_id), ACTIVE)])


def take_until_refused(owner_id: str = OWNER) -> int:
    taken = 0
    while True:
        try:
            take(owner_id)
        except NoShardFits:
            return taken
        taken += 1


def change(limit: int | None, stamp: dict[str, bool] = ACTIVE) -> None:
    dynamodb.transact_write(allowance.change(APP, OWNER, read(), limit, stamp))


@pytest.mark.parametrize("limit", [1, allowance.SHARDS - 1, allowance.SHARDS + 1, 3 * allowance.SHARDS + 5])
def test_every_unit_of_a_limit_is_taken_once_whichever_shard_holds_it(table: str, limit: int) -> None:
    create(limit)

    assert take_until_refused() == limit
    assert read() == Allowance(left=(0,) * allowance.SHARDS, taken=tuple(allowance.split(limit)))


def test_a_limit_is_split_evenly_and_an_unlimited_allowance_counts_every_take(table: str) -> None:
    create(allowance.SHARDS + 3)
    create(None, "own_unlimited")

    for _ in range(50):
        take("own_unlimited")

    assert read().left == (2, 2, 2, 1, 1, 1, 1, 1)
    unlimited = read("own_unlimited")
    assert (unlimited.left, unlimited.used, unlimited.remaining) == (None, 50, None)


def test_a_second_creation_over_an_existing_allowance_is_refused_and_keeps_its_units(table: str) -> None:
    # Each shard's own condition: a creation never resets the units taken, whichever owner item it travels with.
    create(4)
    take()

    with pytest.raises(TransactionCancelled):
        create(4)
    assert (read().used, read().remaining) == (1, 3)


def test_a_limit_taken_at_once_by_more_takers_than_units_gives_exactly_the_limit(table: str) -> None:
    limit = allowance.SHARDS + 1
    create(limit)

    def taker() -> int:
        for _ in range(50):  # a shard emptied between read and write: read again, as the callers do
            try:
                take()
            except NoShardFits:
                return 0
            except TransactionCancelled:
                continue
            else:
                return 1
        raise AssertionError("a taker never got an answer")

    results = fire_together([taker] * 30)

    assert sum(results) == limit
    assert (read().used, read().remaining) == (limit, 0)


def test_a_take_avoids_the_shards_tried_while_another_has_units_and_finds_the_last_ones_among_them() -> None:
    spread = Allowance(left=(1, 0, 3, 0, 0, 0, 0, 2), taken=(0,) * allowance.SHARDS)
    unlimited = Allowance(left=None, taken=(0,) * allowance.SHARDS)
    for _ in range(200):  # a random choice: any other answer would show
        assert spread.shard_to_take({0, 2}) == 7
        assert spread.shard_to_take({0, 2, 7}) in {0, 2, 7}  # only tried shards have units: still taken
        assert unlimited.shard_to_take(set(range(allowance.SHARDS - 1))) == allowance.SHARDS - 1
    last = Allowance(left=(0, 0, 0, 0, 0, 1, 0, 0), taken=(0,) * allowance.SHARDS)
    assert last.shard_to_take({5}) == 5
    assert Allowance(left=(0,) * allowance.SHARDS, taken=(0,) * allowance.SHARDS).shard_to_take({1}) is None


def test_each_take_of_one_request_goes_to_a_shard_it_has_not_tried_while_one_has_units(table: str) -> None:
    create(allowance.SHARDS)
    tried = allowance.Tried()
    chosen = [allowance.take(APP, OWNER, read(), ACTIVE, tried).key for _ in range(allowance.SHARDS + 1)]

    assert len({key[keys.PK] for key in chosen[:-1]}) == allowance.SHARDS
    assert tried.shards == {OWNER: set(range(allowance.SHARDS))}


def test_a_shard_taken_from_meanwhile_cancels_a_take_that_would_go_below_zero(table: str) -> None:
    create(1)
    stale = read()
    take()

    with pytest.raises(TransactionCancelled):
        dynamodb.transact_write([allowance.take(APP, OWNER, stale, ACTIVE)])
    assert read().used == 1


def test_a_give_back_returns_the_unit_to_be_taken_again(table: str) -> None:
    create(1)
    take()

    dynamodb.transact_write([allowance.give_back(APP, OWNER, read())])

    assert (read().used, read().remaining) == (0, 1)
    assert take_until_refused() == 1
    with pytest.raises(NoShardFits):
        allowance.give_back(APP, OWNER, Allowance.fresh(1))


def test_a_unit_given_back_meanwhile_cancels_a_give_back_that_would_go_below_zero(table: str) -> None:
    create(1)
    take()
    stale = read()
    dynamodb.transact_write([allowance.give_back(APP, OWNER, stale)])

    with pytest.raises(TransactionCancelled):
        dynamodb.transact_write([allowance.give_back(APP, OWNER, stale)])
    assert (read().used, read().remaining) == (0, 1)


def test_a_take_needs_the_stamp_it_expects(table: str) -> None:
    create(5)
    change(5, {"active": False})

    with pytest.raises(TransactionCancelled):
        take()
    change(5, ACTIVE)
    take()


def test_a_new_limit_raises_lowers_to_the_units_taken_and_is_refused_below_them(table: str) -> None:
    create(4)
    for _ in range(3):
        take()

    change(20)
    assert (read().used, read().remaining) == (3, 17)
    assert read().left == tuple(allowance.split(17))  # levelled on the way
    change(3)
    assert (read().used, read().remaining) == (3, 0)
    with pytest.raises(BelowUsed) as refused:
        change(2)
    assert refused.value.used == 3
    change(None)
    take()
    assert (read().used, read().remaining) == (4, None)
    change(5)
    assert take_until_refused() == 1


def test_an_allowance_without_a_stamp_is_limited_raised_and_made_unlimited(table: str) -> None:
    dynamodb.transact_write(allowance.creation(APP, OWNER, 4, {}))
    dynamodb.transact_write([allowance.take(APP, OWNER, read(), {})])
    change(6, {})  # the shards' left moved, nothing set
    assert (read().used, read().remaining) == (1, 5)
    change(None, {})  # the shards' left removed, nothing set
    assert (read().used, read().remaining) == (1, None)


def test_a_lowered_limit_whose_cut_a_concurrent_take_made_impossible_is_cancelled(table: str) -> None:
    create(allowance.SHARDS * 2)
    before = read()
    for _ in range(allowance.SHARDS * 2 - 1):
        take()

    with pytest.raises(TransactionCancelled):
        dynamodb.transact_write(allowance.change(APP, OWNER, before, allowance.SHARDS, ACTIVE))
    assert (read().used, read().remaining) == (allowance.SHARDS * 2 - 1, 1)


def test_making_an_unlimited_allowance_limited_is_cancelled_by_a_take_since_the_read(table: str) -> None:
    create(None)
    take()
    before = read()
    take()

    with pytest.raises(TransactionCancelled):
        dynamodb.transact_write(allowance.change(APP, OWNER, before, 5, ACTIVE))
    change(5)
    assert (read().used, read().remaining) == (2, 3)


# ------------------------------------------------------------------------------------- model


@dataclass
class AllowanceModel:
    limit: int | None = 3
    used: int = 0
    active: bool = True


class AllowanceMachine(RuleBasedStateMachine):
    """Random takes, give-backs, new limits (None: unlimited) and stamps, each checked against a model."""

    def __init__(self) -> None:
        super().__init__()
        self._table = fresh_table()
        self._table.__enter__()
        self.model = AllowanceModel()
        create(self.model.limit)

    def teardown(self) -> None:
        self._table.__exit__(None, None, None)

    @rule()
    def take(self) -> None:
        model = self.model
        if model.limit is not None and model.used >= model.limit:
            with pytest.raises(NoShardFits):
                take()
        elif not model.active:
            with pytest.raises(TransactionCancelled):
                take()
        else:
            take()
            model.used += 1

    @rule()
    def give_back(self) -> None:
        if self.model.used == 0:
            with pytest.raises(NoShardFits):
                allowance.give_back(APP, OWNER, read())
            return
        dynamodb.transact_write([allowance.give_back(APP, OWNER, read())])
        self.model.used -= 1

    @rule(limit=st.none() | st.integers(0, 3 * allowance.SHARDS), active=st.booleans())
    def new_limit(self, limit: int | None, active: bool) -> None:
        if limit is not None and limit < self.model.used:
            with pytest.raises(BelowUsed):
                change(limit, {"active": active})
            return
        change(limit, {"active": active})
        self.model.limit, self.model.active = limit, active

    @precondition(lambda self: self.model.limit is not None)
    @rule()
    def take_everything_left(self) -> None:
        assert self.model.limit is not None
        if self.model.active:
            assert take_until_refused() == self.model.limit - self.model.used
            self.model.used = self.model.limit

    @invariant()
    def counts_match_the_model(self) -> None:
        now = read()
        limit = self.model.limit
        assert now.used == self.model.used
        assert now.remaining == (None if limit is None else limit - self.model.used)
        assert min(now.taken) >= 0
        assert now.left is None or min(now.left) >= 0


def test_random_takes_give_backs_and_limits_keep_limit_equal_to_left_plus_taken() -> None:
    run_state_machine_as_test(AllowanceMachine, settings=stateful_settings(max_examples=15, steps=25))
