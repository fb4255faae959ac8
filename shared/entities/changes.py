"""A committed item change, as the table's stream reports it (storage reads it, the outbox translates it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from shared.values import value_class

ChangeKind = Literal["INSERT", "MODIFY", "REMOVE"]


@value_class
class ItemChange:
    """One committed write: the item before (``old``) and after (``new``), as plain values."""

    app_id: str
    kind: ChangeKind
    old: Mapping[str, Any] | None
    new: Mapping[str, Any] | None
