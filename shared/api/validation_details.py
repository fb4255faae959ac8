"""The ``details`` of a 400 for a request that breaks its schema: every failing field, all in one answer,
each by its full path in the house's dotted notation (``order.items.0.selling_price``, the one the
dashboard maps to its form fields), in plain words.

Pydantic's locations and messages carry its internals: a union reports one error per member, each under
the member's tag (``properties.t.constrained-str``, ``events.0.literal['*']``, a model's class name); a
validator's message starts ``Value error,`` (and may name a field relative to the object it checks); a
bad dict key is ``[key]``. Those are taken out here: the body itself tells which parts of a location are
fields (a tag is no key of the object it follows), and a union's alternatives become one sentence
(``must be one of: customer.created, ..., *``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from shared.values import value_class

# Enough for any real mistake; a body with thousands of bad items gets a bounded answer that says so.
MAX_REPORTED_ERRORS = 25
_PARAMETER_SOURCES = ("query", "header", "path", "cookie")
_KEY_PART = "[key]"  # pydantic's location part for a dict key that is itself invalid
_OWN_MESSAGE_PREFIXES = ("Value error, ", "Assertion failed, ")  # pydantic's wrapping of a validator's words
_CHOICE_KINDS = ("literal_error", "enum")
# Said of the field ("x is required", not "x: is required").
_FIXED_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "json_invalid": "is not valid JSON",
}
_A_VALID = re.compile(r"^Input should be a valid ([a-z ]+?)(?:,| or instance of |$)")
_INSTANCE_OF = re.compile(r" or instance of \w+")  # a model's class name
# A validator on an object that names the field it refuses, relative to that object: "actions: ...".
_RELATIVE_FIELD = re.compile(r"^([\w-]+(?:\.[\w-]+)*): ")
_CHOICE = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"|([^\s,'\"]+)")


@value_class
class _Problem:
    path: tuple[str, ...]
    kind: str
    message: str  # plain words, without the path
    mismatch: bool  # the value is of the wrong type or not a listed choice (what a union member says)
    choices: tuple[str, ...] = ()
    noun: str | None = None  # "string" in "input should be a valid string"

    def sentence(self) -> str:
        path = ".".join(self.path) or "body"
        return f"{path} {self.message}" if self.kind in _FIXED_MESSAGES else f"{path}: {self.message}"


def describe_validation_errors(errors: Sequence[Mapping[str, Any]], body: Any = None) -> str:
    """``body``: the request's parsed JSON body, against which body locations are read (None: every part
    of a location is taken as a field)."""
    problems = _without_shallower_mismatches([_problem(error, body) for error in errors])
    described = list(dict.fromkeys(problem.sentence() for problem in _merged_alternatives(problems)))
    if len(described) > MAX_REPORTED_ERRORS:
        described = [*described[:MAX_REPORTED_ERRORS], f"and {len(described) - MAX_REPORTED_ERRORS} more"]
    return "; ".join(described)


def _problem(error: Mapping[str, Any], body: Any) -> _Problem:
    kind = str(error.get("type", ""))
    path, bad_key = _path(error, kind, body)
    if kind.startswith("union_tag_"):
        return _tag_problem(error, path, kind)
    if kind in _FIXED_MESSAGES:
        return _Problem(path, kind, _FIXED_MESSAGES[kind], mismatch=False)
    if kind in _CHOICE_KINDS:
        choices = _listed((error.get("ctx") or {}).get("expected"))
        return _Problem(path, kind, f"must be one of: {', '.join(choices)}", mismatch=True, choices=choices)
    message = str(error.get("msg") or "is invalid")
    own = message.startswith(_OWN_MESSAGE_PREFIXES)
    for prefix in _OWN_MESSAGE_PREFIXES:
        message = message.removeprefix(prefix)
    if not own:  # pydantic's sentences start with a capital; a validator's own words are kept as written
        message = _INSTANCE_OF.sub("", message[:1].lower() + message[1:])
    elif relative := _RELATIVE_FIELD.match(message):
        path, message = (*path, *relative.group(1).split(".")), message[relative.end() :]
    if bad_key is not None:
        message = f"the key {bad_key!r}: {message}"
    noun = match.group(1) if (match := _A_VALID.match(str(error.get("msg", "")))) else None
    mismatch = noun is not None or kind.endswith(("_type", "_parsing"))
    return _Problem(path, kind, message, mismatch=mismatch, noun=noun)


def _tag_problem(error: Mapping[str, Any], path: tuple[str, ...], kind: str) -> _Problem:
    """A discriminated union's tag field is absent, or names no member: said of that field."""
    ctx = error.get("ctx") or {}
    path = (*path, *_listed(ctx.get("discriminator")))
    if kind == "union_tag_not_found":
        return _Problem(path, "missing", _FIXED_MESSAGES["missing"], mismatch=False)
    choices = _listed(ctx.get("expected_tags"))
    return _Problem(path, kind, f"must be one of: {', '.join(choices)}", mismatch=True, choices=choices)


def _path(error: Mapping[str, Any], kind: str, body: Any) -> tuple[tuple[str, ...], str | None]:
    """The failing field's path, and the dict key at its end when that key itself is what is wrong."""
    location = list(error.get("loc", ()))
    source, parts = (location[0], location[1:]) if location else ("body", [])
    if source in _PARAMETER_SOURCES:
        return (str(parts[0]) if parts else str(source),), None
    if kind == "json_invalid":
        return (), None
    path: list[str] = []
    bad_key: str | None = None
    value = body
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == _KEY_PART and path:
            bad_key = path.pop()
        elif body is None:
            path.append(str(part))
        elif _holds(value, part):
            path.append(str(part))
            value = value[part]
        elif last and kind == "missing":
            path.append(str(part))  # a required field is named though absent
        # otherwise the part is a union member's tag, not a field of the body
    return tuple(path), bad_key


def _holds(value: Any, part: str | int) -> bool:
    """Whether ``part`` is a key of ``value`` (an object) or an index of it (an array)."""
    if isinstance(value, dict):
        return part in value
    return isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)


def _listed(expected: object) -> tuple[str, ...]:
    """The values of pydantic's ``'a', 'b' or 'c'``, unquoted."""
    found = ("".join(groups) for groups in _CHOICE.findall(str(expected or "")))
    return tuple(value for value in found if value != "or")


def _without_shallower_mismatches(problems: list[_Problem]) -> list[_Problem]:
    """A union member that took the value's type and failed inside it says more than the members that
    refused the type: ``properties.t.1`` is the problem, not ``properties.t``."""
    paths = {problem.path for problem in problems}
    return [problem for problem in problems if not (problem.mismatch and any(_under(problem.path, p) for p in paths))]


def _under(path: tuple[str, ...], deeper: tuple[str, ...]) -> bool:
    return len(deeper) > len(path) and deeper[: len(path)] == path


def _merged_alternatives(problems: list[_Problem]) -> list[_Problem]:
    """Several problems at one path are a union's members: one sentence for what each would accept, or
    only the members' own complaints when one took the value's type (a string too long, say)."""
    by_path: dict[tuple[str, ...], list[_Problem]] = {}
    for problem in problems:
        by_path.setdefault(problem.path, []).append(problem)
    merged: list[_Problem] = []
    for group in by_path.values():
        specific = [problem for problem in group if not problem.mismatch]
        if len(group) == 1 or specific:
            merged.extend(specific or group)
        else:
            merged.append(_one_of(group))
    return merged


def _one_of(alternatives: list[_Problem]) -> _Problem:
    choices = tuple(dict.fromkeys(choice for problem in alternatives for choice in problem.choices))
    nouns = list(dict.fromkeys(problem.noun for problem in alternatives if problem.noun))
    others = [problem.message for problem in alternatives if not problem.choices and not problem.noun]
    accepted = [f"one of: {', '.join(choices)}"] if choices else []
    if nouns:
        accepted.append("a valid " + _or(nouns))
    message = "must be " + _or(accepted) if accepted else ""
    message = " or ".join(filter(None, [message, *dict.fromkeys(others)]))
    return _Problem(alternatives[0].path, "union", message, mismatch=True)


def _or(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"
