"""The one request-body parser: strict JSON with limits, for every route (the resolver's JSON deserializer).

Python's ``json`` accepts ``NaN``/``Infinity``, overflows floats to ``inf``, raises RecursionError on deep
nesting and ValueError on integers over 4,300 digits; DynamoDB rejects numbers beyond 38 significant
digits or outside 1e-130..1e126 and strings with lone surrogates. Each of these became a 500 somewhere
later. Here they are refused before any model sees the body, with a 400 naming the field.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.errors import PayloadTooLarge, ValidationFailed
from shared.limits import number_problem

MAX_BODY_BYTES = 1024 * 1024
MAX_DEPTH = 32
# Enough for any storable integer (below 1e126) with its sign; longer literals are refused unparsed.
MAX_INTEGER_LENGTH = 128
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


class _Refused:
    """A literal the JSON scanner met that the body may not hold; reported with its field's path."""

    def __init__(self, problem: str) -> None:
        self.problem = problem


def _parse_int(literal: str) -> int | _Refused:
    if len(literal) > MAX_INTEGER_LENGTH:
        return _Refused(f"integer longer than {MAX_INTEGER_LENGTH} digits")
    return int(literal)


def _parse_float(literal: str) -> float | _Refused:
    try:
        exact = Decimal(literal)
    except InvalidOperation:
        return _Refused("is not a number")
    value = float(literal)
    # Both the number sent and the float it becomes (what is stored) must be storable:
    # 1e400 becomes inf, 1e-400 becomes 0.0, 9.999999999999999999e125 rounds to 1e126.
    problem = number_problem(exact) or number_problem(value)
    return _Refused(problem) if problem else value


def _refuse_constant(literal: str) -> _Refused:
    return _Refused(f"{literal} is not JSON; numbers must be finite")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) < len(pairs):
        counts = Counter(key for key, _ in pairs)
        duplicate = next(key for key, count in counts.items() if count > 1)
        result[duplicate] = _Refused("appears more than once in its object")
    return result


def parse_body(text: str) -> Any:
    """The JSON value of a request body, or a 400 (413 when too large) naming what is wrong."""
    if len(text) > MAX_BODY_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"body: at most {MAX_BODY_BYTES} bytes")
    try:
        value = json.loads(
            text,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_refuse_constant,
            object_pairs_hook=_unique_keys,
        )
    except RecursionError:
        raise ValidationFailed(f"body: nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as error:
        raise ValidationFailed(f"body is not valid JSON ({error})") from None
    _check(value, (), 1)
    return value


def _name(path: tuple[str | int, ...]) -> str:
    return ".".join(map(str, path)) or "body"


def _check(value: Any, path: tuple[str | int, ...], depth: int) -> None:
    """``depth``: how many objects and arrays enclose ``value``, itself included if it is one."""
    if isinstance(value, dict | list) and depth > MAX_DEPTH:
        raise ValidationFailed(f"{_name(path)}: nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, _Refused):
        raise ValidationFailed(f"{_name(path)}: {value.problem}")
    if isinstance(value, str):
        if _LONE_SURROGATE.search(value):
            raise ValidationFailed(f"{_name(path)}: must not contain a lone surrogate (invalid UTF-16 escape)")
    elif isinstance(value, int) and not isinstance(value, bool):
        problem = number_problem(value)
        if problem:
            raise ValidationFailed(f"{_name(path)}: {problem}")
    elif isinstance(value, dict):
        for key, item in value.items():
            if _LONE_SURROGATE.search(key):
                raise ValidationFailed(f"{_name(path)}: a key must not contain a lone surrogate")
            _check(item, (*path, key), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, (*path, index), depth + 1)
