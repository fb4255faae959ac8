"""Public identifiers: a prefix plus 21 URL-safe random characters, as in the seeds (``camp_1I7vOuIsPbyL4fB0Kck2K``)."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 21


def new_id(prefix: str) -> str:
    return f"{prefix}_{''.join(secrets.choice(_ALPHABET) for _ in range(ID_LENGTH))}"
