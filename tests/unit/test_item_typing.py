"""The store's typed JSON is written and read by our own fast paths (shared/storage/dynamodb.py): for every
value they must answer exactly what the SDK's serializer and deserializer (through ``_to_storable`` and
``_from_storable``) answer, which they replace only for speed."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.storage import dynamodb
from shared.storage.dynamodb import _deserializer, _from_storable, _serializer, _to_storable

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=8),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.integers(min_value=-(10**39), max_value=10**39).map(lambda n: n * 10**3),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**20), max_value=10**20),
    st.frozensets(st.text(min_size=1, max_size=4), min_size=1, max_size=3),
    st.frozensets(st.integers(min_value=-1000, max_value=1000), min_size=1, max_size=3),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.text(max_size=4), inner, max_size=4),
    ),
    max_leaves=12,
)


def _outcome(convert: Callable[[], Any]) -> tuple[str, Any]:
    """What a conversion answers: its value and the value's type, or the type of error it raises."""
    try:
        value = convert()
    except (TypeError, ArithmeticError) as error:  # e.g. a float beyond the 38-digit context: refused alike
        return "error", type(error)
    return type(value).__name__, value


def _sdk_typed(value: Any) -> dict[str, Any]:
    return dict(_serializer.serialize(_to_storable(value)))


@given(_VALUES)
def test_a_value_is_typed_as_the_sdk_types_it(value: Any) -> None:
    assert _outcome(lambda: dynamodb.to_attribute(value)) == _outcome(lambda: _sdk_typed(value))


def _assert_read_alike(typed: Any) -> None:
    read = _outcome(lambda: dynamodb.from_item({"a": typed})["a"])
    assert read == _outcome(lambda: _from_storable(_deserializer.deserialize(typed)))


@given(_VALUES)
def test_a_typed_value_is_read_as_the_sdk_reads_it(value: Any) -> None:
    kind, typed = _outcome(lambda: _sdk_typed(value))
    if kind != "error":
        _assert_read_alike(typed)


@pytest.mark.parametrize(
    "number",
    ["0", "-0", "007", "-12", "9" * 38, "-" + "9" * 38, "1" + "0" * 38, "1E+40", "1.50", "2.5", "-0.1", "1e3"],
)
def test_a_stored_number_is_read_as_the_sdk_reads_it(number: str) -> None:
    """The integer fast path stops at 38 digits, where the SDK's context refuses to round."""
    _assert_read_alike({"N": number})


def test_numbers_past_the_exact_range_take_the_sdk_path() -> None:
    assert dynamodb.to_attribute(10**38) == {"N": "1E+38"}
    assert dynamodb.to_attribute(10**38 - 1) == {"N": "9" * 38}
    assert dynamodb.to_attribute(-(10**38)) == {"N": "-1E+38"}
    assert dynamodb.from_item({"a": {"N": "9" * 38}})["a"] == 10**38 - 1
    assert dynamodb.from_item({"a": {"N": "1.5"}})["a"] == 1.5
    assert dynamodb.from_item({"a": {"N": "0.1000000000000000000001"}})["a"] == Decimal("0.1000000000000000000001")
