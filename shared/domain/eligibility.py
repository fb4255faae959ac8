"""Member eligibility rules of a reward (seed 001): a pure engine, no I/O.

A reward holds a list of rules; the reward is open to a member when at least one rule holds (rules are
OR'ed). A rule's ``conditions`` is a list of conditions joined by ``"AND"``/``"OR"`` tokens, AND binding
tighter than OR: ``a AND b OR c`` is ``(a AND b) OR c``.

Every condition is checked when a reward is created or changed (``parse_rules``), so a bad operator,
attribute or value is refused naming the condition then, never a surprise when a member asks. Evaluation
(``evaluate_rules``) tells, for each failed condition, what was required, what the member has and the
gap between them (``121 more points``, ``missing tag cohortA``, ``enrolled 3 days after the window``).

Attributes: ``Enrolment Date`` (also spelt ``Enrollment Date``), ``User Tags``, ``Tier``,
``Points Balance``, and the customer's own ``attributes`` as ``attributes.<name>``; names are matched
without regard to case. Operators and the values they take:

| attribute | operators | value |
|---|---|---|
| Enrolment Date | Between | ``"M/D/YYYY-M/D/YYYY"`` (the seed's), ``"<ISO date>/<ISO date>"``, or two dates |
| Enrolment Date | Equals, Not equals, Greater than, Less than | one date: M/D/YYYY, ISO date, ISO date-time |
| User Tags | Contain all of, Contain any of | a non-empty list of tags |
| Tier | Equals, Not equals | a tier |
| Tier | Contain any of | a non-empty list of tiers (the member's is one of them) |
| Tier | At least | a tier of the tier program: the member's is it or above (no program: never) |
| Points Balance | Equals, Not equals, Greater than, Less than | a number |
| Points Balance | Between | ``[low, high]``, both included |
| attributes.<name> | Equals, Not equals | a string, number or boolean |
| attributes.<name> | Greater than, Less than | a number |
| attributes.<name> | Between | ``[low, high]`` numbers, both included |
| attributes.<name> | Contain all of, Contain any of | a non-empty list (the member's value is a list or one value) |

A custom attribute's value may be any JSON shape (Segment sends objects and lists of objects as traits):
``attributes.address.city`` reads the key ``address.city`` if the member has one, else the path into
nested objects. Every operator evaluates against every shape without failing: null is no value; an object
or a list never equals, orders or is a number; a list's objects and lists never match an item of
Contain all of / Contain any of (only its texts, numbers and booleans do); true is never the number 1.

A date means the whole UTC day: ``Between 11/1/2021-2/28/2023`` includes members enrolled at any time on
28 February 2023; ``Greater than 2/28/2023`` starts on 1 March. A date-time means that instant.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

from shared.values import value_class

Operator = Literal[
    "Between", "Contain all of", "Contain any of", "Equals", "Not equals", "Greater than", "Less than", "At least"
]
OPERATORS: tuple[Operator, ...] = (
    "Between",
    "Contain all of",
    "Contain any of",
    "Equals",
    "Not equals",
    "Greater than",
    "Less than",
    "At least",
)
# A custom attribute's operators: "At least" orders tiers only.
CUSTOM_OPERATORS: tuple[Operator, ...] = tuple(o for o in OPERATORS if o != "At least")
ENROLMENT_DATE = "Enrolment Date"
USER_TAGS = "User Tags"
TIER = "Tier"
POINTS_BALANCE = "Points Balance"
CUSTOM_PREFIX = "attributes."
_ATTRIBUTE_NAMES = {
    "enrolment date": ENROLMENT_DATE,
    "enrollment date": ENROLMENT_DATE,
    "user tags": USER_TAGS,
    "tier": TIER,
    "points balance": POINTS_BALANCE,
}
_CUSTOM_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_US_RANGE = re.compile(r"^(\d{1,2}/\d{1,2}/\d{4})\s*-\s*(\d{1,2}/\d{1,2}/\d{4})$")
_DAY_MS = 86_400_000
_MAX_LIST = 100
_MAX_TEXT = 200
# Dates a member can have been enrolled on, and that render in every format.
_FIRST_YEAR, _LAST_YEAR = 1900, 9998
TOKENS = ("AND", "OR")

Scalar = str | int | float | bool


class InvalidCondition(ValueError):
    """A condition the engine cannot evaluate; the message says why, the caller says where."""


@value_class
class Span:
    """A time a date value stands for, in epoch milliseconds: ``[start, end)``; one ms for an instant."""

    start: int
    end: int
    text: str


@value_class
class MemberCondition:
    """One condition of a reward's eligibility rule, on what the member has (tags, tier, points, ...)."""

    operator: Operator
    attribute: str  # canonical: one of the four names, or ``attributes.<name>``
    value: Any  # as given (stored and shown back)
    dates: tuple[Span, ...] = ()  # Enrolment Date: the one or two dates of ``value``


Term = MemberCondition | Literal["AND", "OR"]


@value_class
class Rule:
    show_on_member_dashboard: bool
    include_in_api_response: bool
    conditions: tuple[Term, ...]

    def groups(self) -> list[list[int]]:
        """The positions of the conditions in each OR'ed group of AND'ed conditions (AND binds tighter)."""
        groups: list[list[int]] = [[]]
        for position, term in enumerate(self.conditions):
            if term == "OR":
                groups.append([])
            elif isinstance(term, MemberCondition):
                groups[-1].append(position)
        return groups


@value_class
class Member:
    """What a member's eligibility is computed from: with a tier program, ``tier`` is the tier computed now
    and ``tier_order`` the program's tiers, lowest first (without one: the profile's text, and none)."""

    tags: frozenset[str]
    tier: str | None
    points_balance: int
    enrolled_at_ms: int | None
    attributes: Mapping[str, Any]
    tier_order: tuple[str, ...] = ()


@value_class
class ConditionFailure:
    """One condition a member does not meet: where it is, what it asks, what the member has, the gap."""

    condition: str  # member_eligibility_rules.<i>.conditions.<j>
    attribute: str
    operator: str
    required: str
    actual: str
    gap: str


@value_class
class RuleOutcome:
    rule_index: int
    holds: bool
    include_in_api_response: bool
    show_on_member_dashboard: bool
    failures: tuple[ConditionFailure, ...]


# ------------------------------------------------------------------------------------------ parsing


def parse_rules(raw_rules: Sequence[Mapping[str, Any]]) -> tuple[Rule, ...]:
    """Every rule, checked; ``InvalidCondition`` names the offending rule or condition by its path."""
    return tuple(_parse_rule(index, raw) for index, raw in enumerate(raw_rules))


def _parse_rule(rule_index: int, raw: Mapping[str, Any]) -> Rule:
    where = f"member_eligibility_rules.{rule_index}.conditions"
    terms: list[Term] = []
    raw_terms = raw.get("conditions") or []
    if not raw_terms:
        raise InvalidCondition(f"{where}: a rule needs at least one condition")
    for position, term in enumerate(raw_terms):
        expects_condition = position % 2 == 0
        if isinstance(term, str):
            joiner = term.strip().upper()
            if joiner not in TOKENS:
                raise InvalidCondition(f"{where}.{position}: {term!r} is not AND or OR")
            if expects_condition:
                raise InvalidCondition(f"{where}.{position}: a condition is expected here, not {joiner}")
            terms.append("AND" if joiner == "AND" else "OR")
            continue
        if not expects_condition:
            raise InvalidCondition(f"{where}.{position}: AND or OR is expected between two conditions")
        if not isinstance(term, Mapping):
            raise InvalidCondition(f"{where}.{position}: a condition is an object with operator, attribute and value")
        try:
            terms.append(parse_condition(term))
        except InvalidCondition as error:
            raise InvalidCondition(f"{where}.{position}: {error}") from error
    if isinstance(terms[-1], str):
        raise InvalidCondition(f"{where}: ends with {terms[-1]}; a condition must follow it")
    return Rule(
        show_on_member_dashboard=bool(raw.get("show_on_member_dashboard", True)),
        include_in_api_response=bool(raw.get("include_in_api_response", True)),
        conditions=tuple(terms),
    )


def canonical_attribute(name: str) -> str:
    known = _ATTRIBUTE_NAMES.get(name.strip().lower())
    if known is not None:
        return known
    if name.startswith(CUSTOM_PREFIX) and _CUSTOM_NAME.match(name[len(CUSTOM_PREFIX) :]):
        return name
    raise InvalidCondition(
        f"attribute {name!r} is unknown (known: {ENROLMENT_DATE}, {USER_TAGS}, {TIER}, {POINTS_BALANCE}, "
        f"or {CUSTOM_PREFIX}<name> for a custom attribute)"
    )


def parse_condition(raw: Mapping[str, Any]) -> MemberCondition:
    unknown = sorted(set(raw) - {"operator", "attribute", "value"})
    if unknown:
        raise InvalidCondition(f"{', '.join(unknown)} is not a known field of a condition")
    for field in ("operator", "attribute", "value"):
        if field not in raw:
            raise InvalidCondition(f"{field} is required")
    operator, attribute, value = raw["operator"], raw["attribute"], raw["value"]
    if not isinstance(attribute, str):
        raise InvalidCondition("attribute must be a string")
    if operator not in OPERATORS:
        raise InvalidCondition(f"operator {operator!r} is unknown (known: {', '.join(OPERATORS)})")
    canonical = canonical_attribute(attribute)
    allowed = _allowed_operators(canonical)
    if operator not in allowed:
        raise InvalidCondition(f"operator {operator} does not apply to {canonical} (use {', '.join(allowed)})")
    dates = _check_value(canonical, operator, value)
    return MemberCondition(operator, canonical, value, dates)


def _allowed_operators(attribute: str) -> tuple[Operator, ...]:
    if attribute == ENROLMENT_DATE:
        return ("Between", "Equals", "Not equals", "Greater than", "Less than")
    if attribute == USER_TAGS:
        return ("Contain all of", "Contain any of")
    if attribute == TIER:
        return ("Equals", "Not equals", "Contain any of", "At least")
    if attribute == POINTS_BALANCE:
        return ("Between", "Equals", "Not equals", "Greater than", "Less than")
    return CUSTOM_OPERATORS


def _check_value(attribute: str, operator: Operator, value: Any) -> tuple[Span, ...]:
    if attribute == ENROLMENT_DATE:
        return _date_spans(operator, value)
    if operator in ("Contain all of", "Contain any of"):
        _text_list(value) if attribute in (USER_TAGS, TIER) else _scalar_list(value)
    elif operator == "Between":
        _number_pair(value)
    elif operator in ("Greater than", "Less than") or attribute == POINTS_BALANCE:
        _number(value)
    elif attribute == TIER:
        _text(value)
    else:
        _scalar(value)
    return ()


def _is_number(value: Any) -> bool:
    # A stored number that no float holds exactly is read back as a Decimal.
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool) and math.isfinite(value)


def _number(value: Any) -> float:
    if not _is_number(value) or abs(value) > 1e15:
        raise InvalidCondition("value must be a number (at most 1e15 in size)")
    return float(value)


def _number_pair(value: Any) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise InvalidCondition("value must be a list of two numbers [low, high]")
    low, high = _number(value[0]), _number(value[1])
    if low > high:
        raise InvalidCondition("value: low must not be greater than high")
    return low, high


def _text(value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= _MAX_TEXT or not value.isprintable():
        raise InvalidCondition(f"value must be a text of 1 to {_MAX_TEXT} printable characters")
    return value


def _scalar(value: Any) -> Scalar:
    if isinstance(value, bool) or _is_number(value):
        _number(value) if not isinstance(value, bool) else None
        return value  # type: ignore[no-any-return]
    return _text(value)


def _text_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not 0 < len(value) <= _MAX_LIST:
        raise InvalidCondition(f"value must be a list of 1 to {_MAX_LIST} texts")
    return [_text(item) for item in value]


def _scalar_list(value: Any) -> list[Scalar]:
    if not isinstance(value, list) or not 0 < len(value) <= _MAX_LIST:
        raise InvalidCondition(f"value must be a list of 1 to {_MAX_LIST} values")
    return [_scalar(item) for item in value]


def _date_spans(operator: Operator, value: Any) -> tuple[Span, ...]:
    if operator != "Between":
        if not isinstance(value, str):
            raise InvalidCondition("value must be a date (M/D/YYYY, an ISO date or an ISO date-time with zone)")
        return (parse_date(value),)
    if isinstance(value, list):
        if len(value) != 2 or not all(isinstance(v, str) for v in value):
            raise InvalidCondition("value must be two dates")
        first, last = parse_date(value[0]), parse_date(value[1])
    elif isinstance(value, str):
        us_range = _US_RANGE.match(value.strip())
        parts = us_range.groups() if us_range else value.split("/", 1) if value.count("/") == 1 else None
        if parts is None:
            raise InvalidCondition("value must be a range M/D/YYYY-M/D/YYYY, <ISO date>/<ISO date> or two dates")
        first, last = parse_date(parts[0]), parse_date(parts[1])
    else:
        raise InvalidCondition("value must be a range M/D/YYYY-M/D/YYYY, <ISO date>/<ISO date> or two dates")
    if first.start > last.start:
        raise InvalidCondition("value: the range ends before it starts")
    return first, last


def parse_date(text: str) -> Span:
    """``M/D/YYYY`` or an ISO date: that whole UTC day; an ISO date-time with zone: that instant."""
    stripped = text.strip()
    us = _US_DATE.match(stripped)
    try:
        if us:
            month, day, year = (int(part) for part in us.groups())
            moment: date | datetime = date(year, month, day)
        elif len(stripped) == 10:
            moment = date.fromisoformat(stripped)
        else:
            moment = datetime.fromisoformat(stripped)
    except ValueError as error:
        raise InvalidCondition(f"{text!r} is not a date (M/D/YYYY, an ISO date or an ISO date-time)") from error
    if not isinstance(moment, datetime):
        return _day_span(moment, stripped)
    if moment.tzinfo is None:
        raise InvalidCondition(f"{text!r}: a date-time needs a time zone (e.g. Z)")
    if not _FIRST_YEAR <= moment.astimezone(UTC).year <= _LAST_YEAR:
        raise InvalidCondition(f"{text!r}: the year must be between {_FIRST_YEAR} and {_LAST_YEAR}")
    start = int(moment.timestamp() * 1000)
    return Span(start, start + 1, stripped)


def _day_span(day: date, text: str) -> Span:
    if not _FIRST_YEAR <= day.year <= _LAST_YEAR:
        raise InvalidCondition(f"{text!r}: the year must be between {_FIRST_YEAR} and {_LAST_YEAR}")
    start = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)
    return Span(start, start + _DAY_MS, text)


def epoch_ms(iso: str | None) -> int | None:
    """A stored ISO 8601 time in epoch milliseconds (None stays None)."""
    if not iso:
        return None
    moment = datetime.fromisoformat(iso)
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp() * 1000)


# ------------------------------------------------------------------------------------------ evaluation


def evaluate_rules(rules: Sequence[Rule], member: Member) -> list[RuleOutcome]:
    outcomes = []
    for rule_index, rule in enumerate(rules):
        gaps = {
            p: evaluate(term, member) for p, term in enumerate(rule.conditions) if isinstance(term, MemberCondition)
        }
        holds = any(all(gaps[position] is None for position in group) for group in rule.groups())
        failures = tuple(
            _failure(rule_index, position, term, gap)
            for position, term in enumerate(rule.conditions)
            if isinstance(term, MemberCondition) and (gap := gaps[position]) is not None
        )
        outcomes.append(
            RuleOutcome(
                rule_index,
                holds,
                rule.include_in_api_response,
                rule.show_on_member_dashboard,
                () if holds else failures,
            )
        )
    return outcomes


@value_class
class Gap:
    required: str
    actual: str
    gap: str


def _failure(rule_index: int, position: int, condition: MemberCondition, gap: Gap) -> ConditionFailure:
    return ConditionFailure(
        condition=f"member_eligibility_rules.{rule_index}.conditions.{position}",
        attribute=condition.attribute,
        operator=condition.operator,
        required=gap.required,
        actual=gap.actual,
        gap=gap.gap,
    )


def evaluate(condition: MemberCondition, member: Member) -> Gap | None:
    """None when the member meets ``condition``, else what is missing."""
    if condition.attribute == ENROLMENT_DATE:
        return _enrolment(condition, member.enrolled_at_ms)
    if condition.attribute == USER_TAGS:
        return _tags(condition, member.tags)
    if condition.attribute == TIER:
        at_least = condition.operator == "At least"
        return tier_at_least(condition.value, member) if at_least else _tier(condition, member.tier)
    if condition.attribute == POINTS_BALANCE:
        return _points(condition, member.points_balance)
    name = condition.attribute[len(CUSTOM_PREFIX) :]
    return _custom(condition, name, custom_value(member.attributes, name))


def custom_value(attributes: Mapping[str, Any], name: str) -> Any:
    """The member's value of ``attributes.<name>``: the key ``name`` itself, else its dotted path into nested
    objects (``address.city``); None when there is neither."""
    if name in attributes:
        return attributes[name]
    value: Any = attributes
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _days(milliseconds: int) -> str:
    return _plural(max(1, math.ceil(milliseconds / _DAY_MS)), "day")


def _enrolment(condition: MemberCondition, enrolled: int | None) -> Gap | None:
    spans = condition.dates
    operator = condition.operator
    required = {
        "Between": f"enrolled between {spans[0].text} and {spans[-1].text}",
        "Equals": f"enrolled on {spans[0].text}",
        "Not equals": f"not enrolled on {spans[0].text}",
        "Greater than": f"enrolled after {spans[0].text}",
        "Less than": f"enrolled before {spans[0].text}",
    }[operator]
    if enrolled is None:
        return Gap(required, "no enrolment date", "no enrolment date on the profile")
    actual = "enrolled " + datetime.fromtimestamp(enrolled / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    first, last = spans[0], spans[-1]
    if operator == "Not equals":
        return Gap(required, actual, "enrolled on the excluded date") if first.start <= enrolled < first.end else None
    # The window the member must fall in: [lower, upper)
    lower, upper = {
        "Between": (first.start, last.end),
        "Equals": (first.start, first.end),
        "Greater than": (first.end, None),
        "Less than": (None, first.start),
    }[operator]
    if lower is not None and enrolled < lower:
        return Gap(required, actual, f"enrolled {_days(lower - enrolled)} before the window")
    if upper is not None and enrolled >= upper:
        return Gap(required, actual, f"enrolled {_days(enrolled - upper + 1)} after the window")
    return None


def _tags(condition: MemberCondition, tags: frozenset[str]) -> Gap | None:
    wanted: list[str] = condition.value
    actual = f"tags {', '.join(sorted(tags))}" if tags else "no tags"
    if condition.operator == "Contain all of":
        missing = [tag for tag in dict.fromkeys(wanted) if tag not in tags]
        if not missing:
            return None
        word = "tag" if len(missing) == 1 else "tags"
        return Gap(f"all of tags {', '.join(wanted)}", actual, f"missing {word} {', '.join(missing)}")
    if any(tag in tags for tag in wanted):
        return None
    return Gap(f"any of tags {', '.join(wanted)}", actual, f"missing a tag: one of {', '.join(wanted)}")


def tier_at_least(floor: str, member: Member) -> Gap | None:
    """None when the member's tier is ``floor`` or above in the program's order, else the gap."""
    tier = member.tier
    actual = f"tier {tier}" if tier else "no tier"
    order = member.tier_order
    if floor in order and tier in order and order.index(tier) >= order.index(floor):
        return None
    if floor not in order:
        return Gap(f"tier {floor} or above", actual, f"{floor} is not a tier of the tier program")
    return Gap(f"tier {floor} or above", actual, f"needs tier {floor} or above")


def _tier(condition: MemberCondition, tier: str | None) -> Gap | None:
    actual = f"tier {tier}" if tier else "no tier"
    if condition.operator == "Equals":
        if tier == condition.value:
            return None
        return Gap(f"tier {condition.value}", actual, f"needs tier {condition.value}")
    if condition.operator == "Not equals":
        if tier != condition.value:
            return None
        return Gap(f"a tier other than {condition.value}", actual, f"tier {tier} is excluded")
    if tier in condition.value:
        return None
    return Gap(f"tier one of {', '.join(condition.value)}", actual, f"needs tier one of {', '.join(condition.value)}")


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _compare(condition: MemberCondition, have: float, unit: str, label: str) -> Gap | None:
    """Numbers: Equals, Not equals, Greater than, Less than, Between. ``unit`` names what is counted."""
    operator, value = condition.operator, condition.value
    actual = f"{label} {_format_number(have)}"
    if operator == "Not equals":
        if have != value:
            return None
        return Gap(f"anything but {_format_number(value)}", actual, f"{label} is the excluded {_format_number(value)}")
    low, high = value if operator == "Between" else (value, value)
    strict = operator in ("Greater than", "Less than")
    # Whole numbers need the next one up (more than 500 is 501); fractions are told the difference.
    step = 1 if strict and all(float(x).is_integer() for x in (low, high, have)) else 0
    too_low = operator != "Less than" and (have <= low if strict else have < low)
    too_high = operator != "Greater than" and (have >= high if strict else have > high)
    if not too_low and not too_high:
        return None
    required = {
        "Greater than": f"more than {_format_number(low)}",
        "Less than": f"less than {_format_number(high)}",
        "Between": f"between {_format_number(low)} and {_format_number(high)}",
        "Equals": f"exactly {_format_number(low)}",
    }[operator]
    if too_low:
        return Gap(required, actual, f"{_format_number(low - have + step)} more {unit}".rstrip())
    return Gap(required, actual, f"{_format_number(have - high + step)} {unit} too many".replace("  ", " "))


def _points(condition: MemberCondition, balance: int) -> Gap | None:
    return _compare(condition, balance, "points", "balance")


def _custom(condition: MemberCondition, name: str, have: Any) -> Gap | None:
    operator, value = condition.operator, condition.value
    if have is None:
        if operator == "Not equals":
            return None
        return Gap(f"{name} {operator.lower()} {_show(value)}", f"no {name}", f"no {name} on the profile")
    if operator in ("Contain all of", "Contain any of"):
        return _contains(condition, name, have)
    if operator in ("Greater than", "Less than", "Between"):
        if not _is_number(have):
            return Gap(f"{name} {operator.lower()} {_show(value)}", f"{name} {_show(have)}", f"{name} is not a number")
        return _compare(condition, float(have), "", name)
    return _equality(condition, name, have)


def _same(have: Any, value: Scalar) -> bool:
    """``have`` (any JSON shape) is the scalar ``value``: an object or a list never is, nor true the number 1."""
    return isinstance(have, bool) == isinstance(value, bool) and not isinstance(have, list | Mapping) and have == value


def _equality(condition: MemberCondition, name: str, have: Any) -> Gap | None:
    value = condition.value
    same = _same(have, value)
    if condition.operator == "Equals" and not same:
        return Gap(f"{name} {_show(value)}", f"{name} {_show(have)}", f"{name} is {_show(have)}, needs {_show(value)}")
    if condition.operator == "Not equals" and same:
        return Gap(f"{name} other than {_show(value)}", f"{name} {_show(have)}", f"{name} {_show(have)} is excluded")
    return None


def _contains(condition: MemberCondition, name: str, have: Any) -> Gap | None:
    held = have if isinstance(have, list) else [have]
    missing = [item for item in condition.value if not any(_same(one, item) for one in held)]
    every = condition.operator == "Contain all of"
    if (not missing) if every else len(missing) < len(condition.value):
        return None
    which = "all of" if every else "one of"
    return Gap(
        f"{name} {which} {_show(condition.value)}", f"{name} {_show(have)}", f"{name} lacks {which} {_show(missing)}"
    )


def _show(value: Any) -> str:
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _format_number(value)
    return str(value)
