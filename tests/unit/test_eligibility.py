"""The eligibility engine: every operator on every attribute, table-driven; AND/OR precedence; the seed's
rules; inclusive date boundaries; the gap told for each failed condition; bad conditions refused with
their path."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.eligibility import (
    InvalidCondition,
    Member,
    epoch_ms,
    evaluate,
    evaluate_rules,
    parse_condition,
    parse_rules,
)

TIERS = ("Silver", "Gold", "Platinum")


def member(
    tags: tuple[str, ...] = (),
    tier: str | None = None,
    points: int = 0,
    enrolled: str | None = None,
    tier_order: tuple[str, ...] = TIERS,
    **attributes: Any,
) -> Member:
    return Member(frozenset(tags), tier, points, epoch_ms(enrolled), attributes, tier_order)


def condition(operator: str, attribute: str, value: Any) -> dict[str, Any]:
    return {"operator": operator, "attribute": attribute, "value": value}


# (operator, attribute, value, member, holds, and when it does not: what is required, what the member has,
# the gap: all three are what `explain` shows)
OPERATOR_TABLE: list[tuple[str, str, Any, Member, bool, tuple[str, str, str] | None]] = [
    # Enrolment Date, the seed's range: both ends included, whole days
    ("Between", "Enrolment Date", "11/1/2021-2/28/2023", member(enrolled="2021-11-01T00:00:00Z"), True, None),
    ("Between", "Enrolment Date", "11/1/2021-2/28/2023", member(enrolled="2023-02-28T23:59:59Z"), True, None),
    (
        "Between",
        "Enrolment Date",
        "11/1/2021-2/28/2023",
        member(enrolled="2023-03-01T00:00:00Z"),
        False,
        (
            "enrolled between 11/1/2021 and 2/28/2023",
            "enrolled 2023-03-01T00:00:00Z",
            "enrolled 1 day after the window",
        ),
    ),
    (
        "Between",
        "Enrolment Date",
        "11/1/2021-2/28/2023",
        member(enrolled="2023-03-03T10:00:00Z"),
        False,
        (
            "enrolled between 11/1/2021 and 2/28/2023",
            "enrolled 2023-03-03T10:00:00Z",
            "enrolled 3 days after the window",
        ),
    ),
    (
        "Between",
        "Enrolment Date",
        "11/1/2021-2/28/2023",
        member(enrolled="2021-10-31T23:59:59Z"),
        False,
        (
            "enrolled between 11/1/2021 and 2/28/2023",
            "enrolled 2021-10-31T23:59:59Z",
            "enrolled 1 day before the window",
        ),
    ),
    (
        "Between",
        "Enrolment Date",
        "11/1/2021-2/28/2023",
        member(),
        False,
        ("enrolled between 11/1/2021 and 2/28/2023", "no enrolment date", "no enrolment date on the profile"),
    ),
    ("Between", "Enrolment Date", "2021-11-01/2023-02-28", member(enrolled="2022-06-01T00:00:00Z"), True, None),
    ("Between", "Enrolment Date", ["2021-11-01", "2023-02-28"], member(enrolled="2023-02-28T12:00:00Z"), True, None),
    ("Equals", "Enrolment Date", "2/28/2023", member(enrolled="2023-02-28T23:00:00+00:00"), True, None),
    (
        "Equals",
        "Enrolment Date",
        "2/28/2023",
        member(enrolled="2023-03-01T00:00:00Z"),
        False,
        ("enrolled on 2/28/2023", "enrolled 2023-03-01T00:00:00Z", "enrolled 1 day after the window"),
    ),
    ("Not equals", "Enrolment Date", "2/28/2023", member(enrolled="2023-03-01T00:00:00Z"), True, None),
    (
        "Not equals",
        "Enrolment Date",
        "2/28/2023",
        member(enrolled="2023-02-28T00:00:00Z"),
        False,
        ("not enrolled on 2/28/2023", "enrolled 2023-02-28T00:00:00Z", "enrolled on the excluded date"),
    ),
    ("Greater than", "Enrolment Date", "2023-02-28", member(enrolled="2023-03-01T00:00:00Z"), True, None),
    (
        "Greater than",
        "Enrolment Date",
        "2023-02-28",
        member(enrolled="2023-02-28T23:59:59Z"),
        False,
        ("enrolled after 2023-02-28", "enrolled 2023-02-28T23:59:59Z", "enrolled 1 day before the window"),
    ),
    ("Less than", "Enrolment Date", "2023-02-28", member(enrolled="2023-02-27T23:59:59Z"), True, None),
    (
        "Less than",
        "Enrolment Date",
        "2023-02-28",
        member(enrolled="2023-02-28T00:00:00Z"),
        False,
        ("enrolled before 2023-02-28", "enrolled 2023-02-28T00:00:00Z", "enrolled 1 day after the window"),
    ),
    ("Greater than", "Enrolment Date", "2023-02-28T12:00:00Z", member(enrolled="2023-02-28T12:00:01Z"), True, None),
    # User Tags
    ("Contain all of", "User Tags", ["cohortA"], member(tags=("cohortA", "vip")), True, None),
    (
        "Contain all of",
        "User Tags",
        ["cohortA"],
        member(tags=("vip",)),
        False,
        ("all of tags cohortA", "tags vip", "missing tag cohortA"),
    ),
    (
        "Contain all of",
        "User Tags",
        ["cohortC", "cohortD"],
        member(tags=("cohortC",)),
        False,
        ("all of tags cohortC, cohortD", "tags cohortC", "missing tag cohortD"),
    ),
    (
        "Contain all of",
        "User Tags",
        ["cohortC", "cohortD"],
        member(),
        False,
        ("all of tags cohortC, cohortD", "no tags", "missing tags cohortC, cohortD"),
    ),
    ("Contain any of", "User Tags", ["a", "b"], member(tags=("b",)), True, None),
    (
        "Contain any of",
        "User Tags",
        ["a", "b"],
        member(tags=("c",)),
        False,
        ("any of tags a, b", "tags c", "missing a tag: one of a, b"),
    ),
    # Tier
    ("Equals", "Tier", "GOLD", member(tier="GOLD"), True, None),
    ("Equals", "Tier", "GOLD", member(tier="SILVER"), False, ("tier GOLD", "tier SILVER", "needs tier GOLD")),
    ("Equals", "Tier", "GOLD", member(), False, ("tier GOLD", "no tier", "needs tier GOLD")),
    ("Not equals", "Tier", "GOLD", member(tier="SILVER"), True, None),
    ("Not equals", "Tier", "GOLD", member(), True, None),
    (
        "Not equals",
        "Tier",
        "GOLD",
        member(tier="GOLD"),
        False,
        ("a tier other than GOLD", "tier GOLD", "tier GOLD is excluded"),
    ),
    ("Contain any of", "Tier", ["GOLD", "SILVER"], member(tier="SILVER"), True, None),
    (
        "Contain any of",
        "Tier",
        ["GOLD", "SILVER"],
        member(tier="BRONZE"),
        False,
        ("tier one of GOLD, SILVER", "tier BRONZE", "needs tier one of GOLD, SILVER"),
    ),
    # Points Balance: strict bounds need the next whole point
    ("Greater than", "Points Balance", 500, member(points=501), True, None),
    (
        "Greater than",
        "Points Balance",
        500,
        member(points=500),
        False,
        ("more than 500", "balance 500", "1 more points"),
    ),
    (
        "Greater than",
        "Points Balance",
        500,
        member(points=380),
        False,
        ("more than 500", "balance 380", "121 more points"),
    ),
    ("Less than", "Points Balance", 500, member(points=499), True, None),
    (
        "Less than",
        "Points Balance",
        500,
        member(points=500),
        False,
        ("less than 500", "balance 500", "1 points too many"),
    ),
    ("Equals", "Points Balance", 500, member(points=500), True, None),
    ("Equals", "Points Balance", 500, member(points=380), False, ("exactly 500", "balance 380", "120 more points")),
    ("Not equals", "Points Balance", 0, member(points=1), True, None),
    (
        "Not equals",
        "Points Balance",
        0,
        member(points=0),
        False,
        ("anything but 0", "balance 0", "balance is the excluded 0"),
    ),
    ("Between", "Points Balance", [100, 200], member(points=100), True, None),
    ("Between", "Points Balance", [100, 200], member(points=200), True, None),
    (
        "Between",
        "Points Balance",
        [100, 200],
        member(points=99),
        False,
        ("between 100 and 200", "balance 99", "1 more points"),
    ),
    (
        "Between",
        "Points Balance",
        [100, 200],
        member(points=201),
        False,
        ("between 100 and 200", "balance 201", "1 points too many"),
    ),
    # custom attributes
    ("Equals", "attributes.city", "Leeds", member(city="Leeds"), True, None),
    (
        "Equals",
        "attributes.city",
        "Leeds",
        member(city="York"),
        False,
        ("city Leeds", "city York", "city is York, needs Leeds"),
    ),
    ("Equals", "attributes.city", "Leeds", member(), False, ("city equals Leeds", "no city", "no city on the profile")),
    ("Equals", "attributes.subscribed", True, member(subscribed=True), True, None),
    (
        "Equals",
        "attributes.subscribed",
        1,
        member(subscribed=True),
        False,
        ("subscribed 1", "subscribed true", "subscribed is true, needs 1"),
    ),
    ("Not equals", "attributes.city", "Leeds", member(city="York"), True, None),
    ("Not equals", "attributes.city", "Leeds", member(), True, None),
    (
        "Not equals",
        "attributes.city",
        "Leeds",
        member(city="Leeds"),
        False,
        ("city other than Leeds", "city Leeds", "city Leeds is excluded"),
    ),
    ("Greater than", "attributes.age", 18, member(age=19), True, None),
    ("Greater than", "attributes.age", 18, member(age=17), False, ("more than 18", "age 17", "2 more")),
    (
        "Greater than",
        "attributes.age",
        18,
        member(age="old"),
        False,
        ("age greater than 18", "age old", "age is not a number"),
    ),
    ("Less than", "attributes.age", 18, member(age=17.5), True, None),
    ("Between", "attributes.age", [18, 30], member(age=30), True, None),
    ("Between", "attributes.age", [18, 30], member(age=31), False, ("between 18 and 30", "age 31", "1 too many")),
    # an ISO date-time with a zone is one moment; a pair of dates is a range like the seed's
    ("Equals", "Enrolment Date", "2023-02-28T10:00:00Z", member(enrolled="2023-02-28T10:00:00Z"), True, None),
    (
        "Equals",
        "Enrolment Date",
        "2023-02-28T10:00:00Z",
        member(enrolled="2023-02-28T10:00:00.001Z"),  # a millisecond later
        False,
        ("enrolled on 2023-02-28T10:00:00Z", "enrolled 2023-02-28T10:00:00Z", "enrolled 1 day after the window"),
    ),
    ("Between", "Enrolment Date", ["11/1/2021", "2/28/2023"], member(enrolled="2023-02-28T23:59:59Z"), True, None),
    (
        "Between",
        "Enrolment Date",
        ["11/1/2021", "2/28/2023"],
        member(enrolled="2023-03-01T00:00:00Z"),
        False,
        (
            "enrolled between 11/1/2021 and 2/28/2023",
            "enrolled 2023-03-01T00:00:00Z",
            "enrolled 1 day after the window",
        ),
    ),
    ("Less than", "attributes.age", 18, member(age=20), False, ("less than 18", "age 20", "3 too many")),
    (
        "Less than",
        "attributes.age",
        18,
        member(age="old"),
        False,
        ("age less than 18", "age old", "age is not a number"),
    ),
    ("Greater than", "attributes.age", 18, member(), False, ("age greater than 18", "no age", "no age on the profile")),
    ("Equals", "attributes.age", 18.5, member(age=17), False, ("age 18.5", "age 17", "age is 17, needs 18.5")),
    (
        "Equals",
        "attributes.subscribed",
        False,
        member(subscribed=True),
        False,
        ("subscribed false", "subscribed true", "subscribed is true, needs false"),
    ),
    ("Between", "Points Balance", [100, 100], member(points=100), True, None),
    ("Contain all of", "attributes.interests", ["golf", "tennis"], member(interests=["golf", "tennis"]), True, None),
    (
        "Contain all of",
        "attributes.interests",
        ["golf", "tennis"],
        member(interests=["golf"]),
        False,
        ("interests all of golf, tennis", "interests golf", "interests lacks all of tennis"),
    ),
    ("Contain any of", "attributes.city", ["Leeds", "York"], member(city="York"), True, None),
    (
        "Contain any of",
        "attributes.city",
        ["Leeds", "York"],
        member(city="Hull"),
        False,
        ("city one of Leeds, York", "city Hull", "city lacks one of Leeds, York"),
    ),
    # Days after the window count whole days begun: its last day's next day is day 1, the day after day 2
    (
        "Between",
        "Enrolment Date",
        "11/1/2021-2/28/2023",
        member(enrolled="2023-03-01T23:59:59.999Z"),
        False,
        (
            "enrolled between 11/1/2021 and 2/28/2023",
            "enrolled 2023-03-01T23:59:59Z",
            "enrolled 1 day after the window",
        ),
    ),
    (
        "Between",
        "Enrolment Date",
        "11/1/2021-2/28/2023",
        member(enrolled="2023-03-02T00:00:00Z"),
        False,
        (
            "enrolled between 11/1/2021 and 2/28/2023",
            "enrolled 2023-03-02T00:00:00Z",
            "enrolled 2 days after the window",
        ),
    ),
    # A one-day range is a range; an instant is that millisecond, on either side of the window
    ("Between", "Enrolment Date", "3/1/2023-3/1/2023", member(enrolled="2023-03-01T12:00:00Z"), True, None),
    ("Less than", "Enrolment Date", "2023-02-28T12:00:00Z", member(enrolled="2023-02-28T11:59:59Z"), True, None),
    (
        "Less than",
        "Enrolment Date",
        "2023-02-28T12:00:00Z",
        member(enrolled="2023-02-28T12:00:00Z"),
        False,
        ("enrolled before 2023-02-28T12:00:00Z", "enrolled 2023-02-28T12:00:00Z", "enrolled 1 day after the window"),
    ),
    # Tier at least: the program's order (lowest first); the floor itself holds
    ("At least", "Tier", "Gold", member(tier="Gold"), True, None),
    ("At least", "Tier", "Gold", member(tier="Platinum"), True, None),
    (
        "At least",
        "Tier",
        "Gold",
        member(tier="Silver"),
        False,
        ("tier Gold or above", "tier Silver", "needs tier Gold or above"),
    ),
    (
        "At least",
        "Tier",
        "Silver",
        member(tier=None),
        False,
        ("tier Silver or above", "no tier", "needs tier Silver or above"),
    ),
    (
        "At least",
        "Tier",
        "Gold",
        member(tier="Gold", tier_order=()),
        False,
        ("tier Gold or above", "tier Gold", "Gold is not a tier of the tier program"),
    ),
    (
        "At least",
        "Tier",
        "Diamond",
        member(tier="Platinum"),
        False,
        ("tier Diamond or above", "tier Platinum", "Diamond is not a tier of the tier program"),
    ),
    (
        "At least",
        "Tier",
        "Gold",
        member(tier="Bronze"),
        False,
        ("tier Gold or above", "tier Bronze", "needs tier Gold or above"),
    ),
    # The member's tags are shown sorted, comma-separated
    (
        "Contain all of",
        "User Tags",
        ["gold"],
        member(tags=("vip", "cohortA")),
        False,
        ("all of tags gold", "tags cohortA, vip", "missing tag gold"),
    ),
]


@pytest.mark.parametrize(
    ("operator", "attribute", "value", "who", "holds", "explained"),
    OPERATOR_TABLE,
    ids=[f"{o}|{a}|{v}|{'holds' if h or e is None else e[2]}" for o, a, v, _, h, e in OPERATOR_TABLE],
)
def test_every_operator(
    operator: str, attribute: str, value: Any, who: Member, holds: bool, explained: tuple[str, str, str] | None
) -> None:
    result = evaluate(parse_condition(condition(operator, attribute, value)), who)
    if holds:
        assert result is None
    else:
        assert result is not None
        assert (result.required, result.actual, result.gap) == explained


def test_every_operator_is_in_the_table() -> None:
    from shared.domain.eligibility import OPERATORS

    assert {row[0] for row in OPERATOR_TABLE} == set(OPERATORS)
    assert {row[1] for row in OPERATOR_TABLE if not row[1].startswith("attributes.")} == {
        "Enrolment Date",
        "User Tags",
        "Tier",
        "Points Balance",
    }


# ------------------------------------------------------------------------------------------ AND / OR

A_TRUE = condition("Contain all of", "User Tags", ["a"])
B_TRUE = condition("Contain all of", "User Tags", ["b"])
C_FALSE = condition("Contain all of", "User Tags", ["c"])
HAS_A_AND_B = member(tags=("a", "b"))


@pytest.mark.parametrize(
    ("terms", "holds"),
    [
        ([A_TRUE, "AND", C_FALSE], False),
        ([A_TRUE, "OR", C_FALSE], True),
        ([C_FALSE, "AND", A_TRUE, "OR", B_TRUE], True),  # (c AND a) OR b
        ([A_TRUE, "OR", B_TRUE, "AND", C_FALSE], True),  # a OR (b AND c): AND binds tighter
        ([C_FALSE, "OR", B_TRUE, "AND", C_FALSE], False),  # c OR (b AND c)
        ([C_FALSE, "and", A_TRUE, "or", B_TRUE], True),  # tokens in any case
    ],
)
def test_and_binds_tighter_than_or(terms: list[Any], holds: bool) -> None:
    (outcome,) = evaluate_rules(parse_rules([{"conditions": terms}]), HAS_A_AND_B)
    assert outcome.holds is holds


@given(st.lists(st.tuples(st.booleans(), st.sampled_from(["AND", "OR"])), min_size=1, max_size=8))
def test_a_rule_is_python_boolean_precedence(parts: list[tuple[bool, str]]) -> None:
    terms: list[Any] = []
    text: list[str] = []
    for index, (value, joiner) in enumerate(parts):
        terms.append(A_TRUE if value else C_FALSE)
        text.append(str(value))
        if index < len(parts) - 1:
            terms.append(joiner)
            text.append(joiner.lower())
    (outcome,) = evaluate_rules(parse_rules([{"conditions": terms}]), HAS_A_AND_B)
    assert outcome.holds is eval(" ".join(text))  # noqa: S307 - the oracle: Python's own and/or precedence


def test_a_rules_display_flags_default_to_shown_and_are_kept_when_off() -> None:
    rules = parse_rules(
        [
            {"conditions": [A_TRUE]},
            {"conditions": [C_FALSE], "include_in_api_response": False, "show_on_member_dashboard": False},
            {"conditions": [A_TRUE], "include_in_api_response": False},
            {"conditions": [A_TRUE], "show_on_member_dashboard": False},
        ]
    )
    outcomes = evaluate_rules(rules, HAS_A_AND_B)
    flags = [(o.rule_index, o.holds, o.include_in_api_response, o.show_on_member_dashboard) for o in outcomes]
    assert flags == [(0, True, True, True), (1, False, False, False), (2, True, False, True), (3, True, True, False)]
    (failure,) = outcomes[1].failures
    assert (failure.condition, failure.attribute, failure.operator) == (
        "member_eligibility_rules.1.conditions.0",
        "User Tags",
        "Contain all of",
    )


def test_a_rule_that_holds_reports_no_failure_even_when_an_ored_group_fails() -> None:
    (outcome,) = evaluate_rules(parse_rules([{"conditions": [C_FALSE, "OR", A_TRUE]}]), HAS_A_AND_B)
    assert (outcome.holds, outcome.failures) == (True, ())


def test_rules_are_ored_and_a_failed_rule_reports_each_failed_condition() -> None:
    # Given the seed 001 rules
    rules = parse_rules(
        [
            {
                "conditions": [
                    condition("Between", "Enrolment Date", "11/1/2021-2/28/2023"),
                    "AND",
                    condition("Contain all of", "User Tags", ["cohortA"]),
                ]
            },
            {"conditions": [condition("Contain all of", "User Tags", ["cohortC", "cohortD"])]},
        ]
    )
    # A member with cohortA enrolled in the window: the first rule holds
    first, second = evaluate_rules(rules, member(tags=("cohortA",), enrolled="2022-05-01T00:00:00Z"))
    assert (first.holds, second.holds) == (True, False)
    assert first.failures == ()
    # One with cohortC only, enrolled 3 days late: neither holds, and each failed condition says why
    first, second = evaluate_rules(rules, member(tags=("cohortC",), enrolled="2023-03-03T10:00:00Z"))
    assert (first.holds, second.holds) == (False, False)
    assert [(f.condition, f.gap) for f in first.failures] == [
        ("member_eligibility_rules.0.conditions.0", "enrolled 3 days after the window"),
        ("member_eligibility_rules.0.conditions.2", "missing tag cohortA"),
    ]
    assert first.failures[1].required == "all of tags cohortA"
    assert first.failures[1].actual == "tags cohortC"
    assert [(f.condition, f.gap) for f in second.failures] == [
        ("member_eligibility_rules.1.conditions.0", "missing tag cohortD")
    ]


# ------------------------------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ([condition("Around", "Tier", "GOLD")], "conditions.0: operator 'Around' is unknown"),
        ([condition("Equals", "Shoe Size", 42)], "conditions.0: attribute 'Shoe Size' is unknown"),
        ([condition("Between", "User Tags", ["a"])], "conditions.0: operator Between does not apply to User Tags"),
        ([condition("Greater than", "Tier", "GOLD")], "conditions.0: operator Greater than does not apply to Tier"),
        ([condition("Between", "Enrolment Date", "yesterday")], "conditions.0: value must be a range"),
        ([condition("Between", "Enrolment Date", "2/30/2023-3/1/2023")], "conditions.0: '2/30/2023' is not a date"),
        ([condition("Between", "Enrolment Date", "3/1/2023-2/1/2023")], "conditions.0: value: the range ends before"),
        ([condition("Equals", "Enrolment Date", "2023-01-01T00:00:00")], "needs a time zone"),
        ([condition("Equals", "Enrolment Date", "1/1/0001")], "the year must be between"),
        ([condition("Contain all of", "User Tags", [])], "conditions.0: value must be a list of 1 to 100 texts"),
        ([condition("Contain all of", "User Tags", "cohortA")], "conditions.0: value must be a list"),
        ([condition("Greater than", "Points Balance", "500")], "conditions.0: value must be a number"),
        ([condition("Greater than", "Points Balance", True)], "conditions.0: value must be a number"),
        ([condition("Between", "Points Balance", [200, 100])], "low must not be greater than high"),
        ([condition("Between", "Points Balance", [1, 2, 3])], "value must be a list of two numbers [low, high]"),
        ([condition("Between", "Enrolment Date", ["11/1/2021"])], "conditions.0: value must be two dates"),
        ([condition("Between", "Enrolment Date", ["11/1/2021", 5])], "conditions.0: value must be two dates"),
        ([condition("Between", "Enrolment Date", ["2/28/2023", "11/1/2021"])], "the range ends before it starts"),
        ([condition("Equals", "Tier", "")], "conditions.0: value must be a text of 1 to 200 printable characters"),
        ([condition("Equals", "Tier", "G" * 201)], "value must be a text of 1 to 200 printable characters"),
        ([condition("Equals", "Tier", "GO\nLD")], "value must be a text of 1 to 200 printable characters"),
        ([condition("Equals", "Tier", 5)], "value must be a text of 1 to 200 printable characters"),
        ([condition("At least", "Tier", ["Gold"])], "value must be a text of 1 to 200 printable characters"),
        ([condition("At least", "attributes.level", "Gold")], "operator At least does not apply to attributes.level"),
        ([condition("At least", "User Tags", ["a"])], "operator At least does not apply to User Tags"),
        ([condition("Greater than", "attributes.age", "18")], "conditions.0: value must be a number"),
        ([condition("Less than", "attributes.age", "18")], "conditions.0: value must be a number"),
        ([{**A_TRUE, "colour": "red", "size": 1}], "conditions.0: colour, size is not a known field of a condition"),
        ([{**A_TRUE, "attribute": 5}], "conditions.0: attribute must be a string"),
        ([5], "conditions.0: a condition is an object with operator, attribute and value"),
        ([A_TRUE, "OR"], "conditions: ends with OR; a condition must follow it"),
        (
            [condition("Around", "Tier", "GOLD")],
            "operator 'Around' is unknown (known: Between, Contain all of, Contain any of, Equals, Not equals, "
            "Greater than, Less than, At least)",
        ),
        (
            [condition("Greater than", "Tier", "GOLD")],
            "operator Greater than does not apply to Tier (use Equals, Not equals, Contain any of, At least)",
        ),
        ([condition("Between", "Points Balance", "12")], "value must be a list of two numbers [low, high]"),
        ([condition("Contain any of", "attributes.city", [])], "conditions.0: value must be a list of 1 to 100 values"),
        ([condition("Contain any of", "attributes.n", list(range(101)))], "value must be a list of 1 to 100 values"),
        ([condition("Equals", "attributes.n", 10**16)], "conditions.0: value must be a number (at most 1e15 in size)"),
        ([condition("Equals", "attributes.bad name", 1)], "attribute 'attributes.bad name' is unknown"),
        ([A_TRUE, "AND"], "conditions: ends with AND"),
        ([A_TRUE, A_TRUE], "conditions.1: AND or OR is expected"),
        (["AND", A_TRUE], "conditions.0: a condition is expected here"),
        ([A_TRUE, "XOR", A_TRUE], "conditions.1: 'XOR' is not AND or OR"),
        ([], "a rule needs at least one condition"),
        ([{"operator": "Equals", "attribute": "Tier"}], "conditions.0: value is required"),
    ],
)
def test_a_bad_condition_is_refused_with_its_path(terms: list[Any], message: str) -> None:
    with pytest.raises(InvalidCondition) as refused:
        parse_rules([{"conditions": [A_TRUE, "OR", B_TRUE]}, {"conditions": terms}])
    assert str(refused.value).startswith("member_eligibility_rules.1.conditions")
    assert message in str(refused.value)


def test_a_text_of_1_or_200_characters_and_a_list_of_1_or_100_values_are_accepted() -> None:
    for size in (1, 200):
        assert parse_condition(condition("Equals", "Tier", "G" * size)).value == "G" * size
    for size in (1, 100):
        assert parse_condition(condition("Contain any of", "attributes.n", list(range(size)))).value == list(
            range(size)
        )


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        (
            [condition("Between", "Enrolment Date", "yesterday")],
            "value must be a range M/D/YYYY-M/D/YYYY, <ISO date>/<ISO date> or two dates",
        ),
        (
            [condition("Between", "Enrolment Date", 20230101)],
            "value must be a range M/D/YYYY-M/D/YYYY, <ISO date>/<ISO date> or two dates",
        ),
        (
            [condition("Equals", "Enrolment Date", 20230101)],
            "value must be a date (M/D/YYYY, an ISO date or an ISO date-time with zone)",
        ),
        (
            [condition("Equals", "Enrolment Date", "1899-12-31T23:59:59Z")],
            "'1899-12-31T23:59:59Z': the year must be between 1900 and 9998",
        ),
        ([condition("Between", "Points Balance", [200, 100])], "value: low must not be greater than high"),
        ([condition("Between", "Points Balance", [1, 2, 3])], "value must be a list of two numbers [low, high]"),
        ([A_TRUE, "OR", B_TRUE, "AND"], "ends with AND; a condition must follow it"),
    ],
)
def test_a_refusal_says_exactly_what_is_wrong(terms: list[Any], message: str) -> None:
    """The whole message, not a part of it: the API returns it to the person who wrote the rule."""
    with pytest.raises(InvalidCondition) as refused:
        parse_rules([{"conditions": terms}])
    where = "member_eligibility_rules.0.conditions" + ("" if message.startswith("ends with") else ".0")
    assert str(refused.value) == f"{where}: {message}"


def test_a_list_of_100_tags_and_numbers_up_to_1e15_are_accepted_and_one_more_is_not() -> None:
    assert len(parse_condition(condition("Contain all of", "User Tags", [f"t{n}" for n in range(100)])).value) == 100
    assert parse_condition(condition("Equals", "attributes.n", 10**15)).value == 10**15
    assert parse_condition(condition("Equals", "attributes.n", -(10**15))).value == -(10**15)
    with pytest.raises(InvalidCondition, match="at most 1e15"):
        parse_condition(condition("Equals", "attributes.n", 10**15 + 1))


@pytest.mark.parametrize(
    "value", ["1/1/1900", "12/31/9998", "1900-01-01", "9998-12-31", "1900-01-01T00:00:00Z", "9998-12-31T23:59:59Z"]
)
def test_the_first_and_last_years_are_accepted(value: str) -> None:
    assert parse_condition(condition("Equals", "Enrolment Date", value)).dates[0].text == value


@pytest.mark.parametrize("value", ["12/31/1899", "1/1/9999", "1899-12-31", "1899-12-31T23:59:59Z"])
def test_a_year_outside_them_is_refused(value: str) -> None:
    with pytest.raises(InvalidCondition, match="the year must be between 1900 and 9998"):
        parse_condition(condition("Equals", "Enrolment Date", value))


def test_dates_are_utc_days_and_shown_in_utc_whatever_the_machines_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        new_year = parse_condition(condition("Equals", "Enrolment Date", "1/1/2023"))
        assert evaluate(new_year, member(enrolled="2023-01-01T23:00:00Z")) is None
        gap = evaluate(new_year, member(enrolled="2023-03-01T00:00:00Z"))
        assert gap is not None
        assert gap.actual == "enrolled 2023-03-01T00:00:00Z"
        # 23:00 UTC on the last day is already 9999 in Kolkata: the year is judged in UTC
        assert parse_condition(condition("Equals", "Enrolment Date", "9998-12-31T23:00:00Z")).dates
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_stored_time_without_a_zone_is_utc_whatever_the_machines_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        assert epoch_ms("2023-01-01T00:00:00") == epoch_ms("2023-01-01T00:00:00Z") == 1_672_531_200_000
        assert epoch_ms("2023-01-01T05:30:00+05:30") == 1_672_531_200_000
    finally:
        monkeypatch.undo()
        time.tzset()


def test_attribute_names_ignore_case_and_the_us_spelling() -> None:
    assert parse_condition(condition("Equals", "enrollment date", "1/1/2022")).attribute == "Enrolment Date"
    assert parse_condition(condition("Equals", "TIER", "GOLD")).attribute == "Tier"


# ------------------------------------------------------------------ every JSON shape (issue 21)

SHAPES: dict[str, Any] = {
    "null": None,
    "true": True,
    "number": 1,
    "huge number": 9.99e125,
    "text": "a",
    "list": ["a", 1, True],
    "list of objects": [{"id": "a"}, {"id": 1}],
    "nested lists": [["a"], []],
    "object": {"city": "Paris", "zip": {"code": 75001}},
}
CONDITIONS = [
    condition("Equals", "attributes.x", "a"),
    condition("Equals", "attributes.x", 1),
    condition("Not equals", "attributes.x", "a"),
    condition("Greater than", "attributes.x", 0),
    condition("Less than", "attributes.x", 10),
    condition("Between", "attributes.x", [0, 10]),
    condition("Contain all of", "attributes.x", ["a", 1]),
    condition("Contain any of", "attributes.x", ["a", True]),
    condition("Equals", "attributes.x.city", "Paris"),
]


@pytest.mark.parametrize("raw", CONDITIONS, ids=lambda c: f"{c['operator']} {c['attribute']}")
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_every_operator_evaluates_against_every_json_shape(raw: dict[str, Any], shape: str) -> None:
    """Segment sends objects and lists of objects as traits; a condition on one made the member's
    rewards list, its explain and the redeem a 500 (set() of a list of objects)."""
    outcome = evaluate(parse_condition(raw), member(x=SHAPES[shape]))

    assert outcome is None or all(isinstance(text, str) for text in (outcome.required, outcome.actual, outcome.gap))


@pytest.mark.parametrize(
    ("raw", "value", "holds"),
    [
        (condition("Contain any of", "attributes.x", ["a"]), [{"id": "a"}, "a"], True),
        (condition("Contain any of", "attributes.x", ["a"]), [{"id": "a"}], False),  # objects never match a text
        (condition("Equals", "attributes.x", "a"), ["a"], False),  # a list is not one value
        (condition("Not equals", "attributes.x", "a"), {"a": 1}, True),
        (condition("Equals", "attributes.x", 1), True, False),  # true is not the number 1
        (condition("Greater than", "attributes.x", 0), {"n": 1}, False),
        (condition("Equals", "attributes.x.city", "Paris"), {"city": "Paris"}, True),  # a path into objects
        (condition("Equals", "attributes.x.city", "Paris"), [{"city": "Paris"}], False),
    ],
)
def test_nested_shapes_have_a_defined_meaning(raw: dict[str, Any], value: Any, holds: bool) -> None:
    assert (evaluate(parse_condition(raw), member(x=value)) is None) is holds


def test_a_key_with_a_dot_wins_over_the_path() -> None:
    the_member = Member(frozenset(), None, 0, None, {"x.city": "Leeds", "x": {"city": "Paris"}})

    assert evaluate(parse_condition(condition("Equals", "attributes.x.city", "Leeds")), the_member) is None


def test_an_object_is_shown_as_stored_with_its_own_letters_and_stored_numbers() -> None:
    """Profiles come back from DynamoDB with Decimal numbers: the explain shows them, it does not fail on them."""
    stored = {"city": "Zürich", "zip": Decimal("8001")}

    gap = evaluate(parse_condition(condition("Equals", "attributes.x", "Bern")), member(x=stored))

    assert gap is not None
    assert gap.actual == 'x {"city": "Zürich", "zip": "8001"}'
