"""Free-form values clients attach, with their budgets: customers' custom attributes, and the properties
and metadata of events (apart from either's models, so that each route loads only its own)."""

import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints

from shared.limits import (
    MAX_ATTRIBUTES,
    MAX_ATTRIBUTES_BYTES,
    ByteBudget,
    NotBlank,
    Printable,
    number_problem,
    text_problem,
)

_ATTRIBUTE_NAME_PATTERN = r"^[A-Za-z0-9_.\-]{1,64}$"
ATTRIBUTE_NAME = re.compile(_ATTRIBUTE_NAME_PATTERN)
AttributeName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=_ATTRIBUTE_NAME_PATTERN)]
# Budgets that keep a customer's item far below DynamoDB's 400 KB whatever is sent (README, "Input limits"),
# with MAX_ATTRIBUTES and MAX_ATTRIBUTES_BYTES (in shared/limits.py: the domain checks them once merged).
MAX_ATTRIBUTE_TEXT = 1000
MAX_ATTRIBUTE_LIST_ITEMS = 50
MAX_ATTRIBUTE_LIST_TEXT = 200
# Values may nest objects and arrays, as Segment's traits do (``address: {city, ...}``): they are stored as
# given, as DynamoDB maps and lists, within 5 levels (``a.b.c.d.e`` is the deepest path). Text in an
# object is AttributeText, text in an array AttributeListText; keys are 1 to 64 printable characters.
MAX_ATTRIBUTE_DEPTH = 5
MAX_KEY_LENGTH = 64


def _value_problem(value: Any, depth: int, in_array: bool) -> tuple[list[str], str] | None:
    """The path within ``value`` and the rule it breaks, or None."""
    if isinstance(value, list | dict):
        return _container_problem(value, depth)
    problem: str | None = None
    if isinstance(value, str):
        limit = MAX_ATTRIBUTE_LIST_TEXT if in_array else MAX_ATTRIBUTE_TEXT
        too_long = f"must have at most {limit} characters" if len(value) > limit else None
        problem = too_long or text_problem(value, multiline=not in_array)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        problem = number_problem(value)
    elif not (isinstance(value, bool) or value is None):
        problem = "must be text, a number, a boolean, null, an array or an object"
    return ([], problem) if problem else None


def _container_problem(value: list[Any] | dict[str, Any], depth: int) -> tuple[list[str], str] | None:
    if depth >= MAX_ATTRIBUTE_DEPTH:
        return [], f"must not nest deeper than {MAX_ATTRIBUTE_DEPTH} levels"
    if len(value) > MAX_ATTRIBUTE_LIST_ITEMS:
        return [], f"must have at most {MAX_ATTRIBUTE_LIST_ITEMS} entries"
    entries = enumerate(value) if isinstance(value, list) else value.items()
    for key, item in entries:
        if isinstance(key, str) and (not key.strip() or len(key) > MAX_KEY_LENGTH or text_problem(key)):
            return [], f"keys must be 1 to {MAX_KEY_LENGTH} printable characters"
        found = _value_problem(item, depth + 1, in_array=isinstance(value, list))
        if found:
            return [str(key), *found[0]], found[1]
    return None


def _attribute_value(value: Any) -> Any:
    found = _value_problem(value, 1, in_array=False)
    if found:
        path, problem = found
        raise ValueError(f"{'.'.join(path)}: {problem}" if path else problem)
    return value


AttributeValue = Annotated[Any, AfterValidator(_attribute_value)]
Attributes = Annotated[
    dict[AttributeName, AttributeValue], Field(max_length=MAX_ATTRIBUTES), ByteBudget(MAX_ATTRIBUTES_BYTES)
]

# A JSON object whose values may nest (Rehook's ``metadata``): its keys are printable names.
MetadataKey = Annotated[str, StringConstraints(min_length=1, max_length=MAX_KEY_LENGTH), Printable, NotBlank]

# Event names as event pipelines send them (Segment's ``Order Completed``, ``page``): 1 to 128 printable
# characters, spaces and punctuation included; never blank, never a control character.
EventName = Annotated[str, StringConstraints(min_length=1, max_length=128), Printable, NotBlank]
PropertyName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
