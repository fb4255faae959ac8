"""Points as a merchant meets them through the API (issue 15): the points policy, customer-service
adjustments, reversals of a credit, lots spent first-expiring-first, expiry and pending points as the
balance shows them, and the ledger filtered by reason. Time is frozen (tests/support/points.py) so that
lot days are exact."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import ApiClient
from tests.support.faults import FaultPlan, injecting_faults
from tests.support.point_lots import credit as earn
from tests.support.point_lots import points_of
from tests.support.points import (
    DAY_MS,
    NOON,
    FrozenClock,
    adjust,
    credit,
    day_end_iso,
    freeze_clock,
    reverse,
    set_policy,
    stored_lots,
    transactions,
)
from tests.support.rewards import customer_path

KIM = "kim@shop"
DEFAULT_POLICY = {
    "object": "points_policy",
    "expire_after_days": None,
    "pending_days": 0,
    "return_policy": "within_balance",
    "time_zone": "UTC",
    "updated_at": None,
}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return freeze_clock(monkeypatch)


@pytest.fixture
def kim(api: ApiClient, clock: FrozenClock) -> str:
    assert api.put(customer_path(KIM), {"name": "Kim"}).status == 201
    return KIM


def in_days(clock: FrozenClock, days: int) -> str:
    return day_end_iso(clock.ms + days * DAY_MS)


def assert_books_balance(api: ApiClient, source_id: str) -> None:
    """The balance equals the ledger's sum, and the pending points the sum of the pending changes."""
    points, entries = points_of(api, source_id), transactions(api, source_id)
    assert points["balance"] == sum(e["points"] for e in entries), entries
    assert points["pending"] == sum(e["pending_points"] for e in entries), entries


def state(api: ApiClient, source_id: str) -> dict[str, Any]:
    return {"points": points_of(api, source_id), "ledger": transactions(api, source_id)}


# ------------------------------------------------------------------------------------------ the policy


def test_the_policy_is_the_default_until_set_and_reads_back_as_set(api: ApiClient, clock: FrozenClock) -> None:
    assert api.get("/settings/points").json() == DEFAULT_POLICY
    policy = {
        "expire_after_days": 365,
        "pending_days": 14,
        "return_policy": "allow_negative",
        "time_zone": "Asia/Tokyo",
    }
    response = api.put("/settings/points", policy)
    assert response.status == 200, response.body
    expected = {"object": "points_policy", **policy, "updated_at": clock.iso()}
    assert response.json() == expected
    assert api.get("/settings/points").json() == expected


def test_putting_the_policy_replaces_all_of_it(api: ApiClient, clock: FrozenClock) -> None:
    set_policy(api, expire_after_days=30, pending_days=2, return_policy="allow_negative")
    clock.advance(hours=1)
    assert set_policy(api) == {**DEFAULT_POLICY, "updated_at": clock.iso()}


def test_each_application_has_its_own_policy(api: ApiClient, other_api: ApiClient) -> None:
    set_policy(api, expire_after_days=30)
    assert other_api.get("/settings/points").json() == DEFAULT_POLICY
    set_policy(other_api, expire_after_days=7, pending_days=1)
    assert api.get("/settings/points").json()["expire_after_days"] == 30


@pytest.mark.parametrize(
    ("policy", "accepted"),
    [
        ({"expire_after_days": 1}, True),
        ({"expire_after_days": 3650}, True),
        ({"expire_after_days": 3651}, False),
        ({"expire_after_days": 0}, False),
        ({"expire_after_days": None, "pending_days": 365}, True),
        ({"pending_days": 366}, False),
        ({"pending_days": -1}, False),
        ({"expire_after_days": 3, "pending_days": 2}, True),
        ({"expire_after_days": 3, "pending_days": 3}, False),
        ({"expire_after_days": 3, "pending_days": 4}, False),
        ({"return_policy": "allow_negative"}, True),
        ({"return_policy": "sometimes"}, False),
        ({"expire_after_days": "10"}, False),
        ({"expire_after_days": 1.5}, False),
        ({"time_zone": "Europe/Paris"}, True),
        ({"time_zone": "America/Argentina/Buenos_Aires"}, True),
        ({"time_zone": "Etc/GMT+5"}, True),
        ({"time_zone": "Mars/Base"}, False),
        ({"time_zone": "utc"}, False),
        ({"time_zone": "localtime"}, False),  # the host's zone, not an IANA one
        ({"time_zone": "Europe"}, False),  # a directory of the database
        ({"time_zone": "../../etc/passwd"}, False),
        ({"time_zone": ""}, False),
        ({"time_zone": None}, False),
        ({"time_zone": 1}, False),
    ],
)
def test_policy_bounds(api: ApiClient, policy: dict[str, Any], accepted: bool) -> None:
    response = api.put("/settings/points", policy)
    if accepted:
        assert response.status == 200, response.body
        assert {k: response.json()[k] for k in policy} == policy
        return
    assert response.status == 400, response.body
    body = response.json()
    assert body["key"] == "validation_failed"
    assert any(field in body["details"] for field in policy), body["details"]
    assert api.get("/settings/points").json() == DEFAULT_POLICY, "a refused policy changes nothing"


def test_pending_days_not_below_expiry_names_both_fields(api: ApiClient) -> None:
    details = api.put("/settings/points", {"expire_after_days": 3, "pending_days": 3}).json()["details"]
    assert "pending_days" in details
    assert "expire_after_days" in details


def test_an_unknown_policy_field_is_refused_by_name(api: ApiClient) -> None:
    response = api.put("/settings/points", {"expire_after_days": 30, "expires_after_days": 30})
    assert response.status == 400
    assert response.json()["details"] == "expires_after_days is not a known field"


# ------------------------------------------------------------------------------------------ adjustments


def test_a_credit_adjustment_is_a_201_entry_with_its_reason(api: ApiClient, kim: str, clock: FrozenClock) -> None:
    response = adjust(api, kim, 250, "Goodwill: late delivery")
    assert response.status == 201, response.body
    entry = response.json()
    assert entry["id"].startswith("txn_")
    assert {k: entry[k] for k in ("points", "balance_after", "reason", "description", "created_at")} == {
        "points": 250,
        "balance_after": 250,
        "reason": "adjustment",
        "description": "Goodwill: late delivery",
        "created_at": clock.iso(),
    }
    assert entry["lots"] == [{"points": 250, "expires_at": None, "activates_at": None}]
    assert transactions(api, kim) == [entry]
    assert points_of(api, kim) == {
        "balance": 250,
        "pending": 0,
        "earned": 250,
        "redeemed": 0,
        "expired": 0,
        "expiring": [],
    }


def test_a_debit_adjustment_takes_back_earned_points(api: ApiClient, kim: str) -> None:
    credit(api, kim, 100)
    response = adjust(api, kim, -30, "Duplicate credit")
    assert response.status == 201, response.body
    assert (response.json()["points"], response.json()["balance_after"]) == (-30, 70)
    points = points_of(api, kim)
    assert (points["balance"], points["earned"], points["redeemed"]) == (70, 70, 0)


def test_a_debit_of_exactly_the_balance_leaves_zero(api: ApiClient, kim: str) -> None:
    credit(api, kim, 100)
    assert adjust(api, kim, -100).status == 201
    assert points_of(api, kim)["balance"] == 0
    assert_books_balance(api, kim)


def test_a_debit_beyond_the_balance_is_refused_naming_points_and_changes_nothing(api: ApiClient, kim: str) -> None:
    credit(api, kim, 100)
    before = state(api, kim)
    response = adjust(api, kim, -101)
    assert response.status == 409, response.body
    body = response.json()
    assert (body["key"], body["message"]) == ("conflict", "Insufficient points")
    assert body["details"] == "points: the balance is 100, so at most 100 can be debited, not 101"
    assert state(api, kim) == before


def test_a_debit_cannot_spend_pending_points(api: ApiClient, kim: str) -> None:
    credit(api, kim, 20)
    set_policy(api, pending_days=5)
    credit(api, kim, 100)
    assert (points_of(api, kim)["balance"], points_of(api, kim)["pending"]) == (20, 100)
    response = adjust(api, kim, -50)
    assert response.status == 409
    assert "the balance is 20" in response.json()["details"]


def test_an_adjustment_whose_write_landed_but_whose_answer_was_lost_is_answered_with_its_one_entry(
    api: ApiClient, kim: str
) -> None:
    # Given the store applies the adjustment's transaction but every answer to it is lost (the SDK's
    # retries too), so the engine cannot tell whether it landed
    with injecting_faults() as faults:
        faults.inject(FaultPlan("lost_response", where=lambda call: call.operation == "TransactWriteItems"))
        response = adjust(api, kim, 40)
    # Then it reads again, finds its own entry and answers that: one credit, neither two nor a 503
    assert faults.injections, "no answer was lost"
    assert response.status == 201, response.body
    assert [entry["id"] for entry in transactions(api, kim)] == [response.json()["id"]]
    assert points_of(api, kim)["balance"] == 40


def test_one_idempotency_key_with_another_description_is_another_adjustment(api: ApiClient, kim: str) -> None:
    # The transaction id a keyed adjustment derives from its key is of the whole request: a different
    # request under the same key (which the API refuses with a 409 before) never answers the first's entry.
    from shared.domain.points import ledger

    first = ledger.adjust(api.credentials.app_id, kim, 10, "Goodwill", request_key="key-1")
    again = ledger.adjust(api.credentials.app_id, kim, 10, "Goodwill", request_key="key-1")
    other = ledger.adjust(api.credentials.app_id, kim, 10, "Late delivery", request_key="key-1")
    assert first.txn_id == again.txn_id != other.txn_id
    assert points_of(api, kim)["balance"] == 20


def test_an_opening_balance_is_credited_once_as_an_import_active_at_once(api: ApiClient, kim: str) -> None:
    from shared.domain.points import ledger

    assert ledger.open_balance(api.credentials.app_id, kim, "txn_opening1", 250, None) is True
    assert ledger.open_balance(api.credentials.app_id, kim, "txn_opening1", 250, None) is False
    (entry,) = transactions(api, kim)
    assert (entry["points"], entry["reason"], entry["description"]) == (250, "import", "Opening balance imported")
    assert points_of(api, kim)["balance"] == 250


def test_an_adjustment_for_an_unknown_customer_is_the_seeds_404(api: ApiClient) -> None:
    response = adjust(api, "nobody", 10)
    assert response.status == 404
    body = response.json()
    assert {k: body[k] for k in ("code", "key", "message", "details")} == {
        "code": 404,
        "key": "not_found",
        "message": "Resource not found",
        "details": "Cannot find customer with source id nobody",
    }
    assert api.get(customer_path("nobody")).status == 404, "an adjustment never creates a customer"


@pytest.mark.parametrize(
    ("points", "status"),
    [(10_000_000, 201), (-10_000_000, 201), (10_000_001, 400), (-10_000_001, 400), (0, 400), (1, 201), (-1, 201)],
)
def test_adjustment_bounds(api: ApiClient, kim: str, points: int, status: int) -> None:
    credit(api, kim, 10_000_000)
    response = adjust(api, kim, points)
    assert response.status == status, response.body
    if status == 400:
        assert "points" in response.json()["details"]
        assert points_of(api, kim)["balance"] == 10_000_000
    else:
        assert points_of(api, kim)["balance"] == 10_000_000 + points


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"points": 10}, "description is required"),
        ({"description": "x"}, "points is required"),
        ({"points": 10, "description": ""}, "description"),
        ({"points": 10, "description": "a\u0000b"}, "description"),
        ({"points": "10", "description": "x"}, "points"),
        ({"points": 10.5, "description": "x"}, "points"),
        ({"points": 10, "description": "x", "expires_at": "2030-01-01"}, "expires_at is not a known field"),
    ],
)
def test_an_invalid_adjustment_is_a_400_naming_the_field(
    api: ApiClient, kim: str, body: dict[str, Any], details: str
) -> None:
    response = api.post(f"{customer_path(kim)}/transactions", body)
    assert response.status == 400, response.body
    assert details in response.json()["details"]
    assert transactions(api, kim) == []


def test_an_adjustment_with_the_same_idempotency_key_applies_once(api: ApiClient, kim: str) -> None:
    first = adjust(api, kim, 75, "Goodwill", headers={"Idempotency-Key": "cs-ticket-4711"})
    again = adjust(api, kim, 75, "Goodwill", headers={"Idempotency-Key": "cs-ticket-4711"})
    assert (first.status, again.status) == (201, 201)
    assert again.json() == first.json()
    assert points_of(api, kim)["balance"] == 75
    assert [e["id"] for e in transactions(api, kim)] == [first.json()["id"]]
    # the same key with another request is refused and changes nothing
    other = adjust(api, kim, 80, "Goodwill", headers={"Idempotency-Key": "cs-ticket-4711"})
    assert other.status == 409
    assert "Idempotency-Key" in other.json()["details"]
    assert points_of(api, kim)["balance"] == 75
    # and another key is another adjustment
    assert adjust(api, kim, 75, "Goodwill", headers={"Idempotency-Key": "cs-ticket-4712"}).status == 201
    assert points_of(api, kim)["balance"] == 150


# ------------------------------------------------------------------------------------------ the policy on credits


def test_pending_days_0_is_spendable_at_once_and_1_from_the_end_of_the_next_day(
    api: ApiClient, kim: str, clock: FrozenClock
) -> None:
    set_policy(api, pending_days=0)
    assert credit(api, kim, 10)["points"] == 10
    set_policy(api, pending_days=1)
    pending = credit(api, kim, 100)
    assert (pending["points"], pending["pending_points"], pending["balance_after"]) == (0, 100, 10)
    assert pending["lots"] == [{"points": 100, "expires_at": None, "activates_at": in_days(clock, 1)}]
    assert (points_of(api, kim)["balance"], points_of(api, kim)["pending"]) == (10, 100)
    # a day later (noon) it is still pending: it activates at the end of that day
    clock.advance(days=1)
    assert (points_of(api, kim)["balance"], points_of(api, kim)["pending"]) == (10, 100)
    clock.advance(hours=12)
    assert (points_of(api, kim)["balance"], points_of(api, kim)["pending"]) == (110, 0)
    # spending it records the activation first, so the books still balance
    assert adjust(api, kim, -110).status == 201
    assert [e["reason"] for e in transactions(api, kim)][:2] == ["adjustment", "activation"]
    assert_books_balance(api, kim)


def test_a_policy_change_applies_only_to_credits_after_it(api: ApiClient, kim: str, clock: FrozenClock) -> None:
    set_policy(api, expire_after_days=30)
    credit(api, kim, 100)
    set_policy(api, expire_after_days=5)
    credit(api, kim, 40)
    assert points_of(api, kim)["expiring"] == [
        {"points": 40, "expires_at": in_days(clock, 5)},
        {"points": 100, "expires_at": in_days(clock, 30)},
    ]
    clock.advance(days=6)
    points = points_of(api, kim)
    assert (points["balance"], points["expired"]) == (100, 40)
    assert points["expiring"] == [{"points": 100, "expires_at": day_end_iso(NOON + 30 * DAY_MS)}]


def test_a_credit_of_one_point_follows_the_policy_like_any_other(api: ApiClient, kim: str, clock: FrozenClock) -> None:
    set_policy(api, expire_after_days=30, pending_days=2)
    single = credit(api, kim, 1)
    assert single["lots"] == [{"points": 1, "expires_at": in_days(clock, 30), "activates_at": in_days(clock, 2)}]
    assert (points_of(api, kim)["balance"], points_of(api, kim)["pending"]) == (0, 1)


def test_a_credit_already_past_its_expiry_never_counts_and_shows_as_expired(
    api: ApiClient, kim: str, clock: FrozenClock
) -> None:
    # Given a 1-day expiry, when an event of 3 days ago earns 100 points
    set_policy(api, expire_after_days=1)
    earned = earn(api, kim, 100, timestamp=(clock.ms - 3 * DAY_MS) // 1000)
    # Then the balance never shows them: they are expired, and the ledger says so
    points = points_of(api, kim)
    assert (points["balance"], points["pending"], points["earned"], points["expired"]) == (0, 0, 100, 100)
    assert points["expiring"] == []
    entries = transactions(api, kim)
    assert [(e["reason"], e["points"], e["balance_after"]) for e in entries] == [
        ("expiry", -100, 0),
        ("rule_completion", 100, 100),
    ]
    assert entries[1]["id"] == earned
    assert adjust(api, kim, -1).status == 409, "expired points cannot be spent"
    assert_books_balance(api, kim)


def test_a_rules_own_expiry_and_pending_days_override_the_policy(api: ApiClient, kim: str, clock: FrozenClock) -> None:
    set_policy(api, expire_after_days=365)
    earn(api, kim, 100, expire_after_days=30, pending_days=14)
    [credited] = transactions(api, kim, reason="rule_completion")
    assert credited["lots"] == [{"points": 100, "expires_at": in_days(clock, 30), "activates_at": in_days(clock, 14)}]
    assert (points_of(api, kim)["balance"], points_of(api, kim)["pending"]) == (0, 100)


def test_expiry_is_at_the_end_of_the_utc_day(api: ApiClient, kim: str, clock: FrozenClock) -> None:
    set_policy(api, expire_after_days=1)
    credit(api, kim, 100)  # at noon: expires at the end of tomorrow
    clock.advance(hours=35)  # 23:00 tomorrow
    assert points_of(api, kim)["balance"] == 100
    clock.advance(hours=1)  # midnight
    assert points_of(api, kim)["balance"] == 0


# ------------------------------------------------------------------------------------------ lots


def test_a_debit_takes_from_the_lot_expiring_first(api: ApiClient, kim: str, clock: FrozenClock) -> None:
    # Given two lots, expiring in 100 and in 10 days (the later one credited first)
    set_policy(api, expire_after_days=100)
    credit(api, kim, 100)
    set_policy(api, expire_after_days=10)
    credit(api, kim, 100)
    # When 50 points are debited
    response = adjust(api, kim, -50)
    # Then they come from the 10-day lot, and `expiring` shows what is left of each
    assert response.status == 201, response.body
    assert response.json()["lots"] == [{"points": -50, "expires_at": in_days(clock, 10), "activates_at": None}]
    assert points_of(api, kim)["expiring"] == [
        {"points": 50, "expires_at": in_days(clock, 10)},
        {"points": 100, "expires_at": in_days(clock, 100)},
    ]


def test_a_debit_spanning_lots_names_each_and_never_expiring_points_go_last(
    api: ApiClient, kim: str, clock: FrozenClock
) -> None:
    credit(api, kim, 100)  # never expires
    set_policy(api, expire_after_days=20)
    credit(api, kim, 30)
    set_policy(api, expire_after_days=10)
    credit(api, kim, 30)
    response = adjust(api, kim, -80)
    assert response.json()["lots"] == [
        {"points": -30, "expires_at": in_days(clock, 10), "activates_at": None},
        {"points": -30, "expires_at": in_days(clock, 20), "activates_at": None},
        {"points": -20, "expires_at": None, "activates_at": None},
    ]
    assert points_of(api, kim)["expiring"] == []
    assert stored_lots(api, kim) == {"0:0": 80}


# ------------------------------------------------------------------------------------------ reversals


def test_a_reversal_takes_a_credit_back_once(api: ApiClient, kim: str) -> None:
    credited = credit(api, kim, 100)
    response = reverse(api, kim, credited["id"])
    assert response.status == 201, response.body
    entry = response.json()
    assert {k: entry[k] for k in ("points", "balance_after", "reason", "reverses", "shortfall")} == {
        "points": -100,
        "balance_after": 0,
        "reason": "reversal",
        "reverses": credited["id"],
        "shortfall": 0,
    }
    assert entry["description"] == f"Reversal of {credited['id']}"
    assert entry["id"].startswith("txn_"), "a reversal is a transaction of its own"
    assert points_of(api, kim)["earned"] == 0
    again = reverse(api, kim, credited["id"])
    assert again.status == 409
    assert again.json()["message"] == "Already reversed"
    assert points_of(api, kim)["balance"] == 0
    assert_books_balance(api, kim)


def test_a_reversal_without_a_body_takes_back_all_that_is_left(api: ApiClient, kim: str) -> None:
    credited = credit(api, kim, 100)
    response = api.post(f"{customer_path(kim)}/transactions/{credited['id']}/reverse")
    assert response.status == 201, response.body
    assert response.json()["points"] == -100


def test_a_partial_reversal_then_the_rest_then_409(api: ApiClient, kim: str) -> None:
    credited = credit(api, kim, 100)
    other = credit(api, kim, 50)
    assert reverse(api, kim, credited["id"], 30).json()["points"] == -30
    assert points_of(api, kim)["balance"] == 120
    rest = reverse(api, kim, credited["id"])
    assert rest.status == 201
    assert (rest.json()["points"], rest.json()["balance_after"]) == (-70, 50)
    refused = reverse(api, kim, credited["id"], 1)
    assert refused.status == 409
    assert refused.json()["details"] == f"transaction {credited['id']} was reversed in full (100 points)"
    assert points_of(api, kim)["balance"] == 50, "the other credit is untouched"
    assert reverse(api, kim, other["id"]).status == 201


@pytest.mark.parametrize(("first", "then", "left"), [(None, 101, 100), (30, 71, 70), (99, 2, 1)])
def test_reversing_more_than_is_left_is_a_400_naming_points(
    api: ApiClient, kim: str, first: int | None, then: int, left: int
) -> None:
    credited = credit(api, kim, 100)
    if first is not None:
        reverse(api, kim, credited["id"], first)
    before = state(api, kim)
    response = reverse(api, kim, credited["id"], then)
    assert response.status == 400, response.body
    assert response.json()["details"] == (
        f"points: {then} is more than is left to reverse of transaction {credited['id']} ({left} of 100 points)"
    )
    assert state(api, kim) == before
    assert reverse(api, kim, credited["id"], left).status == 201, "exactly what is left is accepted"


@pytest.mark.parametrize("points", [0, -5, 10_000_001, "5"])
def test_an_invalid_reversal_amount_is_a_400(api: ApiClient, kim: str, points: Any) -> None:
    credited = credit(api, kim, 100)
    response = api.post(f"{customer_path(kim)}/transactions/{credited['id']}/reverse", {"points": points})
    assert response.status == 400
    assert "points" in response.json()["details"]


def test_only_credits_can_be_reversed(api: ApiClient, kim: str) -> None:
    credited = credit(api, kim, 100)
    debited = adjust(api, kim, -10).json()
    reversal = reverse(api, kim, credited["id"], 5).json()
    for txn in (debited, reversal):
        response = reverse(api, kim, txn["id"])
        assert response.status == 409, response.body
        assert response.json()["message"] == "Not a credit"
        assert response.json()["details"] == f"transaction {txn['id']} is not a credit: only credits can be reversed"
    assert points_of(api, kim)["balance"] == 85


def test_reversing_an_unknown_transaction_or_for_another_customer_is_404(api: ApiClient, kim: str) -> None:
    credited = credit(api, kim, 100)
    assert api.put(customer_path("lee"), {}).status == 201
    unknown = reverse(api, kim, "txn_doesnotexist0000000")
    assert unknown.status == 404
    assert unknown.json()["details"] == "Cannot find transaction with id txn_doesnotexist0000000"
    assert reverse(api, "lee", credited["id"]).status == 404, "a credit is reversed only on its own customer"
    assert reverse(api, "nobody", credited["id"]).json()["details"] == "Cannot find customer with source id nobody"
    assert points_of(api, kim)["balance"] == 100


def test_a_reversal_of_an_earned_credit_takes_back_the_rules_points(api: ApiClient, kim: str) -> None:
    earned = earn(api, kim, 100)
    response = reverse(api, kim, earned, 40)
    assert response.status == 201, response.body
    assert points_of(api, kim)["balance"] == 60
    assert transactions(api, kim, reason="reversal") == [response.json()]


def spent_credit(api: ApiClient, source_id: str) -> str:
    """A 50-point credit (expiring in 10 days) whose points were spent: 100 never-expiring points and the 50,
    then 120 debited, first from the 50. What is left: 30 never-expiring points."""
    credit(api, source_id, 100)
    set_policy(api, expire_after_days=10)
    spent: str = credit(api, source_id, 50)["id"]
    assert adjust(api, source_id, -120).status == 201
    return spent


def test_within_balance_takes_what_the_balance_holds_and_records_the_shortfall(api: ApiClient, kim: str) -> None:
    txn_id = spent_credit(api, kim)
    response = reverse(api, kim, txn_id)
    assert response.status == 201, response.body
    entry = response.json()
    assert (entry["points"], entry["shortfall"], entry["balance_after"]) == (-30, 20, 0)
    assert entry["lots"] == [{"points": -30, "expires_at": None, "activates_at": None}]
    assert points_of(api, kim)["balance"] == 0
    assert reverse(api, kim, txn_id).status == 409, "the whole credit counts as reversed"
    assert_books_balance(api, kim)


def test_allow_negative_takes_the_balance_below_zero_and_later_credits_pay_it_off(api: ApiClient, kim: str) -> None:
    txn_id = spent_credit(api, kim)
    set_policy(api, return_policy="allow_negative")
    response = reverse(api, kim, txn_id)
    assert response.status == 201, response.body
    assert (response.json()["points"], response.json()["shortfall"], response.json()["balance_after"]) == (-50, 0, -20)
    assert points_of(api, kim)["balance"] == -20
    assert adjust(api, kim, -1).status == 409, "nothing can be spent below zero"
    credit(api, kim, 15)
    assert points_of(api, kim)["balance"] == -5
    credit(api, kim, 25)
    assert points_of(api, kim)["balance"] == 20
    assert adjust(api, kim, -20).status == 201, "what is left after the debt is spendable"
    assert adjust(api, kim, -1).status == 409
    assert_books_balance(api, kim)


def test_a_reversal_of_a_pending_credit_takes_the_pending_points(api: ApiClient, kim: str) -> None:
    credit(api, kim, 10)
    set_policy(api, pending_days=14)
    pending = credit(api, kim, 100)
    response = reverse(api, kim, pending["id"], 60)
    assert (response.json()["points"], response.json()["pending_points"]) == (0, -60)
    assert (points_of(api, kim)["balance"], points_of(api, kim)["pending"]) == (10, 40)
    assert_books_balance(api, kim)


def test_a_reversal_with_the_same_idempotency_key_applies_once(api: ApiClient, kim: str) -> None:
    credited = credit(api, kim, 100)
    key = {"Idempotency-Key": "return-order-1001"}
    first = reverse(api, kim, credited["id"], 30, headers=key)
    again = reverse(api, kim, credited["id"], 30, headers=key)
    assert (first.status, again.status) == (201, 201)
    assert again.json() == first.json()
    assert points_of(api, kim)["balance"] == 70
    assert reverse(api, kim, credited["id"]).json()["points"] == -70, "only 30 was taken back"


# ------------------------------------------------------------------------------------------ the ledger by reason


def test_the_ledger_filters_by_reason_across_pages(api: ApiClient, kim: str) -> None:
    credits = [credit(api, kim, 10 * (i + 1))["id"] for i in range(5)]
    earn(api, kim, 7)
    reverse(api, kim, credits[0])
    adjust(api, kim, -5)
    # 6 adjustments in all, newest first, 4 per page
    first = api.get(f"{customer_path(kim)}/transactions", query={"reason": "adjustment", "limit": "4"}).json()
    assert [e["reason"] for e in first["data"]] == ["adjustment"] * 4
    assert first["has_more"] is True
    second = api.get(
        f"{customer_path(kim)}/transactions",
        query={"reason": "adjustment", "limit": "4", "cursor": first["next_cursor"]},
    ).json()
    assert [e["reason"] for e in second["data"]] == ["adjustment"] * 2
    assert (second["has_more"], second["next_cursor"]) == (False, None)
    listed = [e["points"] for e in first["data"] + second["data"]]
    assert listed == [-5, 50, 40, 30, 20, 10]
    assert [e["points"] for e in transactions(api, kim, reason="rule_completion")] == [7]
    assert [e["reverses"] for e in transactions(api, kim, reason="reversal")] == [credits[0]]
    assert transactions(api, kim, reason="expiry") == []
    assert len(transactions(api, kim)) == 8


@pytest.mark.parametrize("reason", ["bogus", "ADJUSTMENT", "", "adjustment,reversal"])
def test_an_unknown_reason_is_a_400_naming_reason(api: ApiClient, kim: str, reason: str) -> None:
    response = api.get(f"{customer_path(kim)}/transactions", query={"reason": reason})
    assert response.status == 400, response.body
    assert response.json()["details"].startswith("reason:")


def test_the_reason_filter_of_an_unknown_customer_is_the_seeds_404(api: ApiClient) -> None:
    response = api.get(f"{customer_path('nobody')}/transactions", query={"reason": "adjustment"})
    assert response.status == 404
    assert response.json()["details"] == "Cannot find customer with source id nobody"
