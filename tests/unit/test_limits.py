"""shared/limits.py and shared/api/body.py: the input limits every route inherits."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import Field, TypeAdapter, ValidationError

from shared.api.body import MAX_BODY_BYTES, MAX_DEPTH, MAX_INTEGER_LENGTH, parse_body
from shared.clock import iso_from_epoch_ms
from shared.errors import PayloadTooLarge, ValidationFailed
from shared.limits import (
    LATEST_DATETIME,
    ByteBudget,
    Description,
    IsoDateTime,
    Label,
    ShortText,
    SourceId,
    StorableNumber,
    number_problem,
    text_problem,
)

# ------------------------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a\x00b", "a control character (U+0000)"),
        ("a\nb", "a control character (U+000A)"),
        ("a\x7fb", "a control character (U+007F)"),
        ("a\x85b", "a control character (U+0085)"),
        ("a\ue000b", "a private-use character (U+E000)"),
        ("a\U000f0000b", "a private-use character (U+F0000)"),
        ("a\uffffb", "an unassigned code point (U+FFFF)"),
        ("a\u0378b", "an unassigned code point (U+0378)"),
        ("a\ud800b", "a surrogate (U+D800)"),
        ("a\u2028b", "a line separator (U+2028)"),
        ("a\u2029b", "a paragraph separator (U+2029)"),
    ],
)
def test_invisible_code_points_are_refused_in_a_line_of_text(text: str, problem: str) -> None:
    assert text_problem(text) == f"must not contain {problem}"


@pytest.mark.parametrize(
    "text",
    ["Krish", "Order Completed", "Zoë Ünal", "名前", "👩‍👩‍👧 family", "a\u00a0b", "x\u200by", "ﷺ", "a + b = c"],
)
def test_readable_text_in_any_script_is_accepted(text: str) -> None:
    """Emoji sequences (zero-width joiner), no-break and zero-width spaces are format or space
    characters, not invisible garbage: they stay."""
    assert text_problem(text) is None


def test_multiline_text_allows_newlines_and_tabs_only() -> None:
    assert text_problem("line 1\nline 2\tend", multiline=True) is None
    assert text_problem("a\rb", multiline=True) == "must not contain a control character (U+000D)"
    assert text_problem("a\x00b", multiline=True) == "must not contain a control character (U+0000)"
    assert text_problem("a\u2028b", multiline=True) is None


@pytest.mark.parametrize("field_type", [ShortText, Label, SourceId])
@pytest.mark.parametrize("blank", [" ", "   ", "\u3000", "\u00a0 "])
def test_names_are_never_blank(field_type: Any, blank: str) -> None:
    with pytest.raises(ValidationError, match="must not be blank"):
        TypeAdapter(field_type).validate_python(blank)


@pytest.mark.parametrize(("field_type", "limit"), [(ShortText, 200), (Label, 64), (SourceId, 128), (Description, 2000)])
def test_text_lengths_are_inclusive(field_type: Any, limit: int) -> None:
    adapter = TypeAdapter(field_type)
    assert adapter.validate_python("é" * limit) == "é" * limit
    with pytest.raises(ValidationError):
        adapter.validate_python("é" * (limit + 1))


def test_a_name_with_inner_spaces_is_kept_as_sent() -> None:
    assert TypeAdapter(ShortText).validate_python(" Spring  sale ") == " Spring  sale "


# ---------------------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "value",
    [0, 1, -1, 10**37, 10**38 - 1, -(10**38 - 1), 10**125, 9 * 10**125, 0.1, 1e-130, -1e-130, 9.999e125, 1.5e100],
)
def test_storable_numbers(value: int | float) -> None:
    assert number_problem(value) is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (10**38 + 1, "at most 38 significant digits"),
        (12345678901234567890123456789012345678901234567890, "at most 38 significant digits"),
        (10**126, "less than 1e126"),
        (1e126, "less than 1e126"),
        (1e308, "less than 1e126"),
        (-1e200, "less than 1e126"),
        (1e-131, "0 or at least 1e-130"),
        (float("inf"), "finite"),
        (float("-inf"), "finite"),
        (float("nan"), "finite"),
        (Decimal("1." + "1" * 38), "at most 38 significant digits"),
    ],
)
def test_numbers_dynamodb_cannot_store(value: int | float | Decimal, problem: str) -> None:
    found = number_problem(value)
    assert found is not None
    assert problem in found


def test_storable_number_type() -> None:
    adapter = TypeAdapter(StorableNumber)
    assert adapter.validate_python(10**38 - 1) == 10**38 - 1
    with pytest.raises(ValidationError, match="38 significant digits"):
        adapter.validate_python(10**38 + 1)


# ------------------------------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    ("sent", "utc"),
    [
        ("2026-03-01T10:00:00+05:30", datetime(2026, 3, 1, 4, 30, tzinfo=UTC)),
        ("1970-01-01T00:00:00Z", datetime(1970, 1, 1, tzinfo=UTC)),
        ("1970-01-01T05:00:00+05:00", datetime(1970, 1, 1, tzinfo=UTC)),
        ("9999-12-31T23:59:59Z", LATEST_DATETIME),
        ("9999-12-31T23:59:59+23:59", datetime(9999, 12, 31, 0, 0, 59, tzinfo=UTC)),
    ],
)
def test_dates_are_normalised_to_utc(sent: str, utc: datetime) -> None:
    value = TypeAdapter(IsoDateTime).validate_python(sent)
    assert value == utc
    assert value.utcoffset() is not None
    assert value.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "sent",
    [
        "9999-12-31T23:59:59-23:59",  # year 10000 in UTC: stored, then every list of campaigns answered 500
        "9999-12-31T23:59:59-00:01",
        "0001-01-01T00:00:00+00:01",  # year 0 in UTC
        "1969-12-31T23:59:59Z",
        "1970-01-01T00:59:59+01:00",
        "0001-01-01T00:00:00Z",
    ],
)
def test_dates_outside_the_storable_range_are_refused(sent: str) -> None:
    with pytest.raises(ValidationError, match="1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z once converted to UTC"):
        TypeAdapter(IsoDateTime).validate_python(sent)


# ---------------------------------------------------------------------------------------- budgets


def test_a_byte_budget_counts_utf8_bytes_inclusively() -> None:
    adapter = TypeAdapter(Annotated[dict[str, str], Field(max_length=5), ByteBudget(20)])
    exactly = {"k": "é" * 6}  # {"k":"éééééé"} = 8 + 12 bytes
    assert adapter.validate_python(exactly) == exactly
    with pytest.raises(ValidationError, match="at most 20 bytes in total"):
        adapter.validate_python({"k": "é" * 6 + "x"})


# ------------------------------------------------------------------------------------------ parser


def test_a_plain_body_parses() -> None:
    body = '{"name": "Krish", "n": 12, "x": 0.5, "ok": true, "list": [1, null, "a"]}'
    assert parse_body(body) == json.loads(body)


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ('{"amount": NaN}', "amount: NaN is not JSON; numbers must be finite"),
        ('{"amount": Infinity}', "amount: Infinity is not JSON"),
        ('{"rules": [{"value": -Infinity}]}', "rules.0.value: -Infinity is not JSON"),
        ('{"amount": 1e308}', "amount: must be less than 1e126 in magnitude"),
        ('{"amount": 1e400}', "amount: must be less than 1e126"),
        ('{"amount": 1e126}', "amount: must be less than 1e126"),
        ('{"amount": 9.9999999999999999999e125}', "amount: must be less than 1e126"),
        ('{"amount": 1e-400}', "amount: must be 0 or at least 1e-130"),
        ('{"p": {"n": 1234567890123456789012345678901234567890}}', "p.n: must have at most 38 significant digits"),
        ('{"n": ' + "1" * 5000 + "}", f"n: integer longer than {MAX_INTEGER_LENGTH} digits"),
        ('{"n": -' + "9" * 200 + "}", f"n: integer longer than {MAX_INTEGER_LENGTH} digits"),
        ('{"name": "a\\ud800b"}', "name: must not contain a lone surrogate"),
        ('{"a\\udfff": 1}', "body: a key must not contain a lone surrogate"),
        ('{"a": 1, "a": 2}', "a: appears more than once in its object"),
        ("[" * 10_000 + "]" * 10_000, f"body: nested deeper than {MAX_DEPTH} levels"),
        ('{"a":' * 10_000 + "1" + "}" * 10_000, f"body: nested deeper than {MAX_DEPTH} levels"),
        ("{", "body is not valid JSON"),
        ("", "body is not valid JSON"),
    ],
)
def test_hostile_bodies_are_refused_naming_the_field(body: str, details: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_body(body)
    assert details in refused.value.details


def test_the_depth_limit_is_inclusive() -> None:
    at_limit = "[" * MAX_DEPTH + "1" + "]" * MAX_DEPTH
    assert parse_body(at_limit) is not None
    over = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    with pytest.raises(ValidationFailed) as refused:
        parse_body(over)
    assert refused.value.details == ".".join(["0"] * MAX_DEPTH) + f": nested deeper than {MAX_DEPTH} levels"


def test_the_integer_length_limit_is_inclusive() -> None:
    assert parse_body("1" + "0" * (MAX_INTEGER_LENGTH - 4)) == 10 ** (MAX_INTEGER_LENGTH - 4)
    with pytest.raises(ValidationFailed) as refused:
        parse_body("1" + "0" * MAX_INTEGER_LENGTH)
    assert refused.value.details == f"body: integer longer than {MAX_INTEGER_LENGTH} digits"


def test_the_body_size_limit_is_inclusive_and_in_utf8_bytes() -> None:
    at_limit = '"' + "a" * (MAX_BODY_BYTES - 2) + '"'
    assert len(parse_body(at_limit)) == MAX_BODY_BYTES - 2
    with pytest.raises(PayloadTooLarge):
        parse_body('"' + "é" * (MAX_BODY_BYTES // 2) + '"')


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
        max_leaves=20,
    )
)
def test_the_parser_answers_a_value_or_a_400_for_any_json(value: Any) -> None:
    """Anything else (RecursionError, OverflowError, ...) would be a 500."""
    text = json.dumps(value)
    outcome = _parse_or_refusal(text)
    assert outcome == value or (isinstance(outcome, ValidationFailed) and outcome.details)


@given(st.text(max_size=300))
def test_the_parser_answers_a_value_or_a_400_for_any_text(text: str) -> None:
    outcome = _parse_or_refusal(text)
    assert not isinstance(outcome, ValidationFailed) or outcome.details


def _parse_or_refusal(text: str) -> Any:
    try:
        return parse_body(text)
    except ValidationFailed as refused:
        return refused


@pytest.mark.parametrize(
    ("epoch_ms", "rendered"),
    [
        (1612879100194, "2021-02-09T13:58:20.194Z"),
        (0, "1970-01-01T00:00:00.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (253402300799000, "9999-12-31T23:59:59.000Z"),
        (253402387140000, "9999-12-31T23:59:59.999Z"),  # year 10000: shown at the end, never a 500
        (-(10**15), "0001-01-01T00:00:00.000Z"),
    ],
)
def test_every_stored_time_renders(epoch_ms: int, rendered: str) -> None:
    assert iso_from_epoch_ms(epoch_ms) == rendered
