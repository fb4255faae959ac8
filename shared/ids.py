"""Public identifiers: a prefix plus 21 URL-safe random characters, as in the seeds (``camp_1I7vOuIsPbyL4fB0Kck2K``)."""

from __future__ import annotations

import hashlib
import secrets
import string
import time

_ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 21
_ID_VALUES = len(_ALPHABET) ** ID_LENGTH
# In ASCII order, so that the text order of two encodings is their numeric order.
_SORTABLE_ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
_TIME_LENGTH = 8  # 62**8 milliseconds: until the year 8900


def new_id(prefix: str) -> str:
    # One draw below 62**21 is 21 independent uniform characters, read in one or two system calls rather
    # than 21 (an order writing a ledger entry per rule made 20 ids: most of its own CPU outside the store).
    return f"{prefix}_{_characters(secrets.randbelow(_ID_VALUES))}"


def keyed_id(prefix: str, *parts: object) -> str:
    """An id of the same shape, the same for the same ``parts``: what a request names (its Idempotency-Key
    and body) identifies what it creates, so that running it again finds its own work instead of doing
    it twice."""
    return f"{prefix}_{_characters(int.from_bytes(hashlib.sha256(repr(parts).encode()).digest()))}"


def _characters(value: int) -> str:
    """``ID_LENGTH`` characters of ``_ALPHABET``: the last digits of ``value`` in base 62, lowest first."""
    characters = []
    for _ in range(ID_LENGTH):
        value, digit = divmod(value, len(_ALPHABET))
        characters.append(_ALPHABET[digit])
    return "".join(characters)


def new_sortable_id(prefix: str, epoch_ms: int | None = None) -> str:
    """An id of the same shape whose first 8 characters encode its creation time: ids of one kind sort
    by creation, so a partition keyed by them lists newest first without a second index."""
    value = time.time_ns() // 1_000_000 if epoch_ms is None else epoch_ms
    random_part = "".join(secrets.choice(_ALPHABET) for _ in range(ID_LENGTH - _TIME_LENGTH))
    return f"{sortable_id_floor(prefix, value)}{random_part}"


def sortable_id_floor(prefix: str, epoch_ms: int) -> str:
    """What every sortable id made at ``epoch_ms`` starts with (``prefix`` and the encoded time): no id of
    that millisecond or later sorts below it, none earlier sorts above it."""
    value = max(0, epoch_ms)
    encoded = ""
    for _ in range(_TIME_LENGTH):
        value, digit = divmod(value, len(_SORTABLE_ALPHABET))
        encoded = _SORTABLE_ALPHABET[digit] + encoded
    return f"{prefix}_{encoded}"


# Referral codes are typed by people: Crockford's base32 (no I, L, O, U), so a code read aloud or copied
# by hand cannot be misread; 32**8 (about 10**12) codes keep collisions rare, and each one is claimed
# under a unique key, so a collision is retried, never shared.
REFERRAL_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERRAL_CODE_LENGTH = 8
_MISTYPED = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_referral_code() -> str:
    return "".join(secrets.choice(REFERRAL_CODE_ALPHABET) for _ in range(REFERRAL_CODE_LENGTH))


def normalize_referral_code(typed: str) -> str | None:
    """The code a person meant (any case, spaces or hyphens between groups, O for 0, I or L for 1), or
    None when it cannot be one."""
    code = typed.replace("-", "").replace(" ", "").upper().translate(_MISTYPED)
    if len(code) != REFERRAL_CODE_LENGTH or any(c not in REFERRAL_CODE_ALPHABET for c in code):
        return None
    return code
