"""A committed item change, as the table's stream reports it (storage reads it, the outbox translates it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

ChangeKind = Literal["INSERT", "MODIFY", "REMOVE"]


@dataclass(frozen=True, slots=True)
class ItemChange:
    """One committed write: the item before (``old``) and after (``new``), as plain values."""

    app_id: str
    kind: ChangeKind
    old: Mapping[str, Any] | None
    new: Mapping[str, Any] | None
