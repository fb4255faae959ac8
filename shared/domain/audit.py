"""The audit log as the API reads it: one object's history, or the application's log, newest first,
filtered by change and time (the entries are written by the repositories: shared/storage/audit.py)."""

from __future__ import annotations

from datetime import datetime

from shared.entities.audit import Action, ObjectType
from shared.errors import ValidationFailed
from shared.storage import audit
from shared.storage.audit import AuditEntry
from shared.values import value_class


@value_class
class AuditFilter:
    object_type: ObjectType | None = None
    object_id: str | None = None
    action: Action | None = None
    from_: datetime | None = None  # both ends included
    to: datetime | None = None


def _epoch_ms(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def list_entries(
    app_id: str, wanted: AuditFilter, limit: int, cursor: str | None
) -> tuple[list[AuditEntry], str | None]:
    if wanted.object_id is not None and wanted.object_type is None:
        raise ValidationFailed("object_id: name the object's object_type as well")
    if wanted.from_ is not None and wanted.to is not None and wanted.to < wanted.from_:
        raise ValidationFailed("to: must not be before from")
    first_ms, last_ms = _epoch_ms(wanted.from_), _epoch_ms(wanted.to)
    if wanted.object_type is not None and wanted.object_id is not None:
        return audit.object_page(
            app_id,
            wanted.object_type,
            wanted.object_id,
            action=wanted.action,
            first_ms=first_ms,
            last_ms=last_ms,
            limit=limit,
            cursor=cursor,
        )
    return audit.log_page(
        app_id,
        object_type=wanted.object_type,
        action=wanted.action,
        first_ms=first_ms,
        last_ms=last_ms,
        limit=limit,
        cursor=cursor,
    )
