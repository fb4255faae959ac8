"""Hypothesis strategies derived from the API models' own JSON schema (issue 21).

``targets(model, body)`` lists every field a request body of ``model`` can carry, at its place in ``body``
(present or not; inside objects, arrays and free-form maps), each with the schema pydantic wrote for it;
``values_for(schema)`` draws values of that field's own type with the hostile edges of its bounds: the
largest and smallest values it allows, and where it allows anything DynamoDB stores, ``1e26``,
``9.99e125``, ``1e-130``; numbers written as text (``"1e300"``, ``"1e39"``); and, where it takes any JSON,
every shape (null, booleans, numbers, text, lists, lists of objects, nested objects).

Fields whose schema is plain text but whose meaning is a closed set the domain checks (an eligibility
operator, a condition's field) take ``hints``: without them almost every draw would be refused with a 400
and the reads behind it never reached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import strategies as st
from pydantic import BaseModel

Path = tuple[str | int, ...]
Schema = dict[str, Any]

# Values that broke a later read when stored (issue 21), and the edges of what DynamoDB stores.
NUMBER_EDGES = [1e26, 9.99e125, -9.99e125, 1e-130, 99999999999999999999999999999999999999, 12345678901234567890.5,
                -1e26, 1e125, 1e15, 1e12, 1.005, 0.005, 0.1, 0, -1, 1]  # fmt: skip
NUMERIC_TEXTS = ["1e300", "1e-200", "1e39", "1e400", "-0", "0.1000000000000000000001", " 4 ", "4", "NaN", "1_000",
                 "9.99e125", "1e126", "12345678901234567890123456789012345678901"]  # fmt: skip
DATES = ["9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "2026-06-15T12:00:00+14:00", "9999-12-31T23:59:59-23:59"]
# Keys of free-form maps: the ones conditions name (so stored shapes meet the rules that read them), and any.
MAP_KEYS = ["x", "orders", "amount", "cart_qty"]


def _scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(NUMBER_EDGES),
        st.sampled_from(NUMERIC_TEXTS),
        st.text(max_size=8),
    )


def json_shapes() -> st.SearchStrategy[Any]:
    """Any JSON value, nested a few levels: what Segment sends as traits and properties."""
    keys = st.sampled_from([*MAP_KEYS, "address", "city", "id"])
    return st.recursive(
        _scalars(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
        max_leaves=6,
    )


def _resolve(schema: Schema, defs: Mapping[str, Schema]) -> Schema:
    while "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _bounds(schema: Schema) -> tuple[float | None, float | None]:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    return low, high


def _numbers(schema: Schema, integer: bool) -> st.SearchStrategy[Any]:
    low, high = _bounds(schema)
    edges = [e for e in NUMBER_EDGES if (low is None or e >= low) and (high is None or e <= high)]
    edges += [b for b in (low, high) if b is not None]
    if integer:
        edges = [int(e) for e in edges if float(e).is_integer()]
        inside: st.SearchStrategy[Any] = st.integers(
            None if low is None else int(low), None if high is None else int(high)
        )
    else:
        inside = st.floats(low, high, allow_nan=False, allow_infinity=False)
    # Mostly the edges: they are what broke later reads; values inside the bounds are the control.
    if not edges:
        return inside
    return st.one_of(st.sampled_from(edges), st.sampled_from(edges), st.sampled_from(edges), inside)


def _texts(schema: Schema) -> st.SearchStrategy[Any]:
    if schema.get("format") in ("date-time", "date"):
        return st.sampled_from(DATES)
    if "pattern" in schema:
        pattern = st.from_regex(schema["pattern"], fullmatch=True).filter(lambda t: len(t) <= 64)
        return pattern | st.sampled_from(NUMERIC_TEXTS)
    return st.sampled_from(NUMERIC_TEXTS) | st.text(max_size=min(schema.get("maxLength", 20), 20))


def values_for(schema: Schema, defs: Mapping[str, Schema]) -> st.SearchStrategy[Any]:  # noqa: PLR0911 (one per type)
    """Values of the field ``schema`` describes, its edges first."""
    schema = _resolve(schema, defs)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        return st.one_of(*(values_for(branch, defs) for branch in branches))
    kind = schema.get("type")
    if kind == "integer":
        return _numbers(schema, integer=True)
    if kind == "number":
        return _numbers(schema, integer=False)
    if kind == "string":
        return _texts(schema)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        items = values_for(schema.get("items", {}), defs)
        return st.lists(items, min_size=min(schema.get("minItems", 0), 2), max_size=min(schema.get("maxItems", 3), 3))
    if kind == "object" and "properties" in schema:
        required = schema.get("required", [])
        return st.fixed_dictionaries({name: values_for(schema["properties"][name], defs) for name in required})
    return json_shapes()  # any JSON (Any, or a free-form object)


def hostile_edges(schema: Schema) -> list[Any]:
    """The values of the field's own types that broke later reads before (issue 21): numbers from 1e26 up to
    DynamoDB's largest and smallest, numeric text, and objects and lists of objects where any JSON goes."""
    defs = schema.get("$defs", {})
    schema = _resolve(schema, defs)
    branches = schema.get("anyOf") or schema.get("oneOf") or [schema]
    kinds = {_resolve(branch, defs).get("type") for branch in branches}
    found: list[Any] = []
    if kinds & {"number", "integer"}:
        found += [1e26, 9.99e125] if "number" in kinds else [99999999999999999999999999999999999999]
    if "string" in kinds and not any("pattern" in _resolve(b, defs) or "format" in _resolve(b, defs) for b in branches):
        found += ["1e300", "1e39"]
    if kinds & {None, "object"}:
        found += [{"city": "Paris", "zip": {"code": 75001}}, [{"id": 1}, {"id": [2]}]]
    return found


def _object_branch(schema: Schema, defs: Mapping[str, Schema]) -> Schema | None:
    """The object (or array) ``schema`` describes, through ``anyOf`` with null."""
    schema = _resolve(schema, defs)
    for branch in (_resolve(b, defs) for b in schema.get("anyOf", [schema])):
        if branch.get("type") in ("object", "array"):
            return branch
    return None


def targets(model: type[BaseModel], body: Any, hints: Mapping[str, Any]) -> list[tuple[Path, Schema]]:
    """The fields ``body`` of ``model`` can carry whose values later computations consume: numbers, any JSON,
    free-form maps, and the hinted ones, each with its schema (``model_json_schema`` is the source). Names,
    dates and flags are the hostile-input fuzzer's (tests/fuzz/hostile.py)."""
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    found: list[tuple[Path, Schema]] = []
    _walk(schema, defs, body, (), found)
    return [
        (path, {**sub, "$defs": defs})
        for path, sub in found
        if _consumed(sub, defs) or (path and isinstance(path[-1], str) and path[-1] in hints)
    ]


def _consumed(schema: Schema, defs: Mapping[str, Schema]) -> bool:
    schema = _resolve(schema, defs)
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        return any(_consumed(branch, defs) for branch in branches)
    kind = schema.get("type")
    return kind in ("number", "integer", None) or (kind == "object" and "properties" not in schema)


def _walk(schema: Schema, defs: Mapping[str, Schema], body: Any, path: Path, found: list[tuple[Path, Schema]]) -> None:
    container = _object_branch(schema, defs)
    if container is None:
        found.append((path, schema))
        return
    if container.get("type") == "array":
        items = container.get("items", {})
        found.append((path, schema))
        for index, element in enumerate(body if isinstance(body, list) else []):
            if _object_branch(items, defs) is not None:
                _walk(items, defs, element, (*path, index), found)
            else:
                found.append(((*path, index), items))
        return
    present = body if isinstance(body, dict) else {}
    for name, sub in container.get("properties", {}).items():
        _walk(sub, defs, present.get(name), (*path, name), found)
    # The values of a map: pydantic writes patternProperties for constrained keys, nothing for dict[str, Any].
    extra = next(iter(container.get("patternProperties", {}).values()), container.get("additionalProperties", {}))
    if extra is not False and "properties" not in container:
        found.append((path, schema))
        for key in MAP_KEYS:
            found.append(((*path, key), extra if isinstance(extra, dict) else {}))
        for key, value in present.items():
            if isinstance(value, dict | list):
                _walk(extra if isinstance(extra, dict) else {}, defs, value, (*path, key), found)


def with_value(body: Any, path: Path, value: Any) -> Any:
    """A copy of ``body`` with ``value`` at ``path`` (objects on the way created as needed)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(body, list) and isinstance(head, int) and head < len(body):
        return [with_value(item, rest, value) if index == head else item for index, item in enumerate(body)]
    copy = dict(body) if isinstance(body, dict) else {}
    copy[str(head)] = with_value(copy.get(str(head)), rest, value)
    return copy


def hinted(path: Path, schema: Schema, hints: Mapping[str, Sequence[Any]]) -> st.SearchStrategy[Any]:
    """``values_for`` the field, or mostly the hint's values for a field named in ``hints``."""
    name = next((str(step) for step in reversed(path) if isinstance(step, str)), "")
    drawn = values_for(schema, schema.get("$defs", {}))
    if name in hints and not isinstance(path[-1], int) and path[-1] == name:
        return st.sampled_from(list(hints[name])) | drawn
    return drawn
