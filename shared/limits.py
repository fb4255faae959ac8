"""The engine's input limits, written once: field types every request model builds on.

Every rule here is documented in the README ("Input limits") and answered with a 400 naming the field:
- text: no control characters, surrogates, private-use or unassigned code points in human-readable
  text (they are invisible, break logs and renderers, or change meaning with the next Unicode
  version), nor U+FFFD (what bytes that were not UTF-8 became); names are never blank;
- numbers: what DynamoDB can store (38 significant digits, magnitude 1e-130 to below 1e126), so a
  value the API accepts can always be written and read back;
- dates: normalised to UTC and kept within years 1970 to 9999, which every layer can store as epoch
  seconds and render as ISO 8601;
- maps: a bounded number of entries and a byte budget, so that no item can outgrow DynamoDB's 400 KB.

A new model uses these types and validators (``ShortText``, ``Label``, ``Description``, ``Printable``,
``IsoDateTime``, ``IsoDate``, ``TimeZoneName``, ``ByteBudget``) rather than bare ``str``/``datetime``/``dict``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import tzdata
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticSerializationError, to_json

# --- text ---

# Unicode categories refused in any human-readable text: control (Cc), surrogate (Cs), private use (Co),
# unassigned (Cn). Single-line text also refuses the line and paragraph separators (Zl, Zp).
_REFUSED_CATEGORIES = {"Cc": "a control character", "Cs": "a surrogate", "Co": "a private-use character",
                       "Cn": "an unassigned code point"}  # fmt: skip
_LINE_BREAKS = {"Zl": "a line separator", "Zp": "a paragraph separator"}
_MULTILINE_ALLOWED = frozenset("\n\t")
# API Gateway passes a body that is not valid UTF-8 with U+FFFD in place of each bad byte, so that
# "M\xfcller" and "M\xe4ller" sent as Latin-1 would both become the one customer "M\ufffdller".
_REPLACEMENT = "\ufffd"
_REPLACEMENT_PROBLEM = "must not contain U+FFFD (the replacement character: the text was not valid UTF-8)"


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` is not acceptable human-readable text, or None. ``multiline`` allows newlines and tabs."""
    if _REPLACEMENT in value:
        return _REPLACEMENT_PROBLEM
    if value.isprintable():  # the common case, at C speed
        return None
    refused = _REFUSED_CATEGORIES if multiline else _REFUSED_CATEGORIES | _LINE_BREAKS
    for char in value:
        category = unicodedata.category(char)
        if category in refused and not (multiline and char in _MULTILINE_ALLOWED):
            return f"must not contain {refused[category]} (U+{ord(char):04X})"
    return None


def _single_line(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _multiline(value: str) -> str:
    problem = text_problem(value, multiline=True)
    if problem:
        raise ValueError(problem)
    return value


def _not_blank(value: str) -> str:
    if value and not value.strip():
        raise ValueError("must not be blank")
    return value


# Validators to attach to a ``str`` type (``Annotated[str, StringConstraints(...), Printable]``): the text
# rules for one line (names, labels, emails) or for several (descriptions, messages), and "not blank".
Printable = AfterValidator(_single_line)
MultilinePrintable = AfterValidator(_multiline)
NotBlank = AfterValidator(_not_blank)

MAX_NAME_LENGTH = 200
MAX_LABEL_LENGTH = 64
MAX_SOURCE_ID_LENGTH = 128
MAX_DESCRIPTION_LENGTH = 2000

# A name of something (a customer, a campaign, a rule): up to 200 characters.
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME_LENGTH), Printable, NotBlank]
# A short label a merchant filters by (a tag, a tier, a brand): up to 64 characters.
Label = Annotated[str, StringConstraints(min_length=1, max_length=MAX_LABEL_LENGTH), Printable, NotBlank]
# A merchant's own customer id: printable, bounded so keys stay small.
SourceId = Annotated[str, StringConstraints(min_length=1, max_length=MAX_SOURCE_ID_LENGTH), Printable, NotBlank]
# Free text shown to people (a description, a terms text): newlines and tabs allowed.
Description = Annotated[str, StringConstraints(max_length=MAX_DESCRIPTION_LENGTH), MultilinePrintable]

# --- numbers ---

MAX_SIGNIFICANT_DIGITS = 38
MAX_EXPONENT = 125  # the largest storable magnitude is 9.99…e125
MIN_EXPONENT = -130
# A number written as text, as JSON would write it (no NaN, no Infinity, no "1_000"); bounded so that
# reading it never costs more than a storable number's digits.
_NUMERIC_TEXT = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")
_MAX_NUMERIC_TEXT = 200


def number_problem(value: int | float | Decimal) -> str | None:
    """Why DynamoDB could not store ``value`` exactly, or None."""
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        return "must be a finite number"
    if number.is_zero():
        return None
    digits = number.as_tuple().digits
    significant = len(digits)
    while digits[significant - 1] == 0:  # trailing zeros of an integer are not significant
        significant -= 1
    if significant > MAX_SIGNIFICANT_DIGITS:
        return f"must have at most {MAX_SIGNIFICANT_DIGITS} significant digits"
    if number.adjusted() > MAX_EXPONENT:
        return f"must be less than 1e{MAX_EXPONENT + 1} in magnitude"
    if number.adjusted() < MIN_EXPONENT:
        return f"must be 0 or at least 1e{MIN_EXPONENT} in magnitude"
    return None


def _storable(value: int | float) -> int | float:
    problem = number_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def number_in_text(text: str) -> Decimal | None:
    """The exact number a text spells (``"4"``, ``" 1e39 "``, ``"-0.5"``) when DynamoDB can store it, else None.
    A Decimal, never a float: ``float("1e39")`` is 1000000000000000044885712678075916785664."""
    if len(text) > _MAX_NUMERIC_TEXT or not _NUMERIC_TEXT.fullmatch(text):
        return None
    try:
        number = Decimal(text.strip())
    except InvalidOperation:  # an exponent beyond what Decimal represents at all
        return None
    return None if number_problem(number) else number


StorableInt = Annotated[int, AfterValidator(_storable)]
StorableFloat = Annotated[float, AfterValidator(_storable)]
StorableNumber = Annotated[int | float, AfterValidator(_storable)]

# --- dates ---

EARLIEST_DATETIME = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_DATETIME = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
EARLIEST_EPOCH = int(EARLIEST_DATETIME.timestamp())
LATEST_EPOCH = int(LATEST_DATETIME.timestamp())
_RANGE = "1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z"


def _utc_in_range(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # its UTC value leaves years 1 to 9999 (an extreme offset)
        raise ValueError(f"must be between {_RANGE} once converted to UTC") from None
    if not EARLIEST_DATETIME <= utc <= LATEST_DATETIME:
        raise ValueError(f"must be between {_RANGE} once converted to UTC")
    return utc


def _not_epoch(value: Any) -> Any:
    # pydantic's lax datetime reads a number, or a string of digits, as epoch seconds (milliseconds above
    # 2e10): "20260101" would become 1970-08-23 and 253402300799 (9999-12-31) 1978-01-11. Refuse both.
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if is_number or (isinstance(value, str) and _NUMERIC_TEXT.fullmatch(value)):
        raise ValueError("must be an ISO 8601 date and time with a time zone (2026-01-31T09:00:00Z), not a number")
    return value


# An ISO 8601 string with a time zone (the one place a JSON string becomes another type), normalised to
# UTC and within the range every layer can store and render.
IsoDateTime = Annotated[
    AwareDatetime,
    Field(strict=False, description=f"ISO 8601 with a time zone, {_RANGE} once converted to UTC"),
    BeforeValidator(_not_epoch),
    AfterValidator(_utc_in_range),
]

EARLIEST_DATE = EARLIEST_DATETIME.date()
LATEST_DATE = LATEST_DATETIME.date()
_ISO_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date_text(value: Any) -> Any:
    # pydantic's lax date also reads a number (0.0 is 1970-01-01), digits as epoch seconds and a
    # datetime at midnight: a date is exactly YYYY-MM-DD, in a body as in a query string.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value  # a default, or a model built in code
    if not isinstance(value, str) or not _ISO_DATE_TEXT.fullmatch(value):
        raise ValueError("must be a date written YYYY-MM-DD (2026-01-31)")
    return value


def _date_in_range(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"must be between {EARLIEST_DATE} and {LATEST_DATE}")
    return value


# A calendar day, the one date type of request bodies and query parameters: YYYY-MM-DD and nothing
# else, within the years every layer can store and compute with.
IsoDate = Annotated[
    date,
    Field(strict=False, description=f"YYYY-MM-DD, {EARLIEST_DATE} to {LATEST_DATE}"),
    BeforeValidator(_iso_date_text),
    AfterValidator(_date_in_range),
]

# --- points policy days ---

MAX_EXPIRE_AFTER_DAYS = 3650
MAX_PENDING_DAYS = 365
ExpireAfterDays = Annotated[int, Field(ge=1, le=MAX_EXPIRE_AFTER_DAYS)]
PendingDays = Annotated[int, Field(ge=0, le=MAX_PENDING_DAYS)]

# --- time zones ---


@cache
def _iana_zones() -> frozenset[str]:
    """The zone names the shipped zone database (tzdata) lists: the same on every host, so a zone accepted
    on a developer's machine loads on Lambda (which has no system zone files), and the files that are not
    zones (``localtime``, ``posixrules``, a directory such as ``Europe``) are never names."""
    return frozenset((Path(tzdata.__file__).parent / "zones").read_text(encoding="utf-8").split())


def _is_iana_zone(value: str) -> bool:
    return value in _iana_zones()


def _iana_zone(value: str) -> str:
    if not _is_iana_zone(value):
        raise ValueError(f"{value!r} is not an IANA time zone (Europe/Paris, UTC)")
    return value


TimeZoneName = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_iana_zone)]

# --- byte budgets ---

# A customer's custom attributes: checked on each body, and on the whole once merged (shared/domain/customers.py).
MAX_ATTRIBUTES = 50
MAX_ATTRIBUTES_BYTES = 16 * 1024


def encoded_size(value: Any) -> int:
    """Bytes of ``value`` (plain data or models) as compact UTF-8 JSON: the measure of every byte budget
    (a DynamoDB item of the same data is within a few bytes per attribute of it)."""
    try:
        return len(to_json(value))
    except PydanticSerializationError:  # a lone surrogate: not storable at all
        raise ValueError("must be valid Unicode text") from None


def ByteBudget(max_bytes: int) -> Any:  # named like a type: it is used as a type's metadata, like Field(...)
    """``Annotated[dict[...] | list[...], Field(max_length=...), ByteBudget(16_384)]``: at most that many
    bytes in total, for containers of variable-size entries."""

    def check(value: Any) -> Any:
        if encoded_size(value) > max_bytes:
            raise ValueError(f"must be at most {max_bytes} bytes in total (as UTF-8 JSON)")
        return value

    return AfterValidator(check)


def check_value_fits_operator(operator: str, value: object) -> None:
    """The one rule of condition values (campaigns' and coupons'): a list for in/not_in, a number to order."""
    is_list = isinstance(value, list)
    if operator in ("in", "not_in") and not is_list:
        raise ValueError(f"value must be a list for operator {operator}")
    if operator not in ("in", "not_in") and is_list:
        raise ValueError(f"value must not be a list for operator {operator}")
    if operator in ("gt", "gte", "lt", "lte") and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise ValueError(f"value must be a number for operator {operator}")


# --- the audit log ---

# An entry is kept this long after its change (the table's TTL deletes it; README, "The audit log"): more
# than a year, so an annual audit finds the whole of the year before it.
AUDIT_RETENTION_DAYS = 400
# What an entry's before and after values may take together: a change of a large definition (a reward's
# settings may take 300 KB, before and after twice that) keeps the names of every changed field, and the
# values of those that fit, so that the entry stays well under DynamoDB's 400 KB with its change.
AUDIT_VALUES_BUDGET = 64 * 1024

# Tiers: the longest rolling window a tier program may count (its qualifying months are kept that long).
MAX_ROLLING_MONTHS = 24
