"""The audit log: an entry per management change, written IN the change's own transaction.

A repository that writes a management change (a campaign, an earning rule, a reward, a coupon or its
pool, a settings document, a webhook, a customer's points adjusted or reversed, a credential rotated or
disabled) adds ``entry(...)`` to the actions of that change's ``transact_write``: the entry commits if
and only if its change does (a lost condition or a failed validation leaves no entry; no entry exists
without its change). The entry names who made the change (``shared.entities.audit``: the API key, never
its secret, and the request id), when, and the changed fields only, before and after.

Keys (shared/storage/keys.py): the entry sits in its object's partition (one query reads an object's
history) and on the sharded AuditLog index (the application's log newest first). Its cost: one more put in
the change's transaction, 2 write units per KB on the object's partition (a transaction's write), and one
unit on one of the index's 16 shards. The table's TTL deletes it ``AUDIT_RETENTION_DAYS`` after the change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared import clock
from shared.entities.audit import current_actor
from shared.ids import new_sortable_id, sortable_id_floor
from shared.limits import AUDIT_RETENTION_DAYS, AUDIT_VALUES_BUDGET, encoded_size
from shared.storage import dynamodb, keys, pagination
from shared.storage.dynamodb import Expression, Put, TransactAction
from shared.values import value_class

ENTRY_TYPE = "audit_entry"
_DAY_SECONDS = 86_400
# Never a before or after value: what the table keeps for itself (keys, index keys, the item's kind and
# version, the time of its last change: the entry has its own time) and what is secret (a secret's hash
# says when it changed by being named, never by its value).
_NOT_FIELDS = keys.TABLE_KEY_ATTRIBUTES | {"type", "version", "updated_at"}
SECRET_FIELDS = frozenset({"secret", "secret_hash", "previous_secret_hash", "erasure_salt"})
REDACTED = "redacted"


@value_class
class AuditEntry:
    audit_id: str
    object_type: str
    object_id: str
    action: str
    credential: str | None
    request_id: str | None
    created_at: str
    before: dict[str, Any]
    after: dict[str, Any]
    # changed fields whose values did not fit AUDIT_VALUES_BUDGET: named, without their values
    omitted: tuple[str, ...] = ()


def _flat(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested maps as dotted paths (``definition.name``), so a change of one nested field is that field."""
    flat: dict[str, Any] = {}
    for name, value in values.items():
        if not prefix and name in _NOT_FIELDS:
            continue
        path = f"{prefix}{name}"
        if isinstance(value, Mapping) and value:
            flat.update(_flat(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def _shown(path: str, value: Any) -> Any:
    return REDACTED if path.rpartition(".")[2] in SECRET_FIELDS else value


def changed_fields(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], tuple[str, ...]]:
    """Before and after of the fields that differ (a field absent on one side is absent from its map), as
    many values as fit ``AUDIT_VALUES_BUDGET``, and the changed fields whose values did not fit."""
    old, new = _flat(before), _flat(after)
    changed = sorted(name for name in old.keys() | new.keys() if old.get(name, _ABSENT) != new.get(name, _ABSENT))
    kept_before: dict[str, Any] = {}
    kept_after: dict[str, Any] = {}
    omitted: list[str] = []
    used = 0
    for name in changed:
        pair = {side: _shown(name, values[name]) for side, values in (("b", old), ("a", new)) if name in values}
        size = encoded_size(pair) + len(name)
        if used + size > AUDIT_VALUES_BUDGET:
            omitted.append(name)
            continue
        used += size
        if "b" in pair:
            kept_before[name] = pair["b"]
        if "a" in pair:
            kept_after[name] = pair["a"]
    return kept_before, kept_after, tuple(omitted)


_ABSENT = object()


def entry(
    app_id: str,
    object_type: str,
    object_id: str,
    action: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> Put:
    """The audit entry of one change, for the change's own transaction (``before``/``after``: the object's
    fields as stored, whole or in part; only those that differ are kept). Its id is new, so it never meets
    another entry; the caller's transaction decides whether it is written."""
    actor = current_actor()
    now_ms = clock.now_epoch_ms()
    audit_id = new_sortable_id("aud", now_ms)
    kept_before, kept_after, omitted = changed_fields(before or {}, after or {})
    item = {
        **keys.audit_entry(app_id, object_type, object_id, audit_id),
        **keys.audit_log_entry(app_id, audit_id),
        "type": ENTRY_TYPE,
        "audit_id": audit_id,
        "object_type": object_type,
        "object_id": object_id,
        "action": action,
        "credential": actor.credential,
        "request_id": actor.request_id,
        "created_at": clock.iso_from_epoch_ms(now_ms),
        "before": kept_before,
        "after": kept_after,
        "omitted": list(omitted) or None,
        keys.TTL_ATTRIBUTE: now_ms // 1000 + AUDIT_RETENTION_DAYS * _DAY_SECONDS,
    }
    return Put(item, condition=Expression("attribute_not_exists(PK)"))


def audited(actions: Sequence[TransactAction], *entries: Put) -> None:
    """``actions`` and their audit entries, all or nothing (for a change that was a single write)."""
    dynamodb.transact_write([*actions, *entries])


def _from_item(item: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(
        audit_id=item["audit_id"],
        object_type=item["object_type"],
        object_id=item["object_id"],
        action=item["action"],
        credential=item.get("credential"),
        request_id=item.get("request_id"),
        created_at=item["created_at"],
        before=dict(item.get("before") or {}),
        after=dict(item.get("after") or {}),
        omitted=tuple(item.get("omitted") or ()),
    )


def _not_expired(item: Mapping[str, Any], now: int) -> bool:
    # the TTL deletes lazily (and the local store not at all): an expired entry is gone to every reader
    return int(item.get(keys.TTL_ATTRIBUTE, now + 1)) > now


def _range(first_ms: int | None, last_ms: int | None) -> tuple[str, str] | None:
    """Sort keys of entries made from ``first_ms`` to ``last_ms``, both included (ids start with their time)."""
    if first_ms is None and last_ms is None:
        return None
    first = sortable_id_floor("aud", first_ms if first_ms is not None else 0)
    # "~" sorts after every character of an id: every id of the last millisecond is below it
    last = sortable_id_floor("aud", last_ms if last_ms is not None else clock.now_epoch_ms() + _DAY_SECONDS * 1000)
    return first, last + "~"


def object_page(
    app_id: str,
    object_type: str,
    object_id: str,
    *,
    action: str | None,
    first_ms: int | None,
    last_ms: int | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[AuditEntry], str | None]:
    """One object's entries, newest first: one query of its partition (more only when ``action`` filters)."""
    items, next_cursor = pagination.page(
        keys.audit_object_partition(app_id, object_type, object_id),
        keys.AUDIT_SK_PREFIX,
        limit,
        cursor,
        newest_first=True,
        filter_equals={"action": action} if action else None,
        sort_key_range=_range(first_ms, last_ms),
    )
    now = clock.now_epoch()
    return [_from_item(item) for item in items if _not_expired(item, now)], next_cursor


def log_page(
    app_id: str,
    *,
    object_type: str | None,
    action: str | None,
    first_ms: int | None,
    last_ms: int | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[AuditEntry], str | None]:
    """The application's entries, newest first, merged from the index's shards (which hold the keys and
    the filtered fields), then the entries shown read in one BatchGetItem."""
    wanted = {"object_type": object_type, "action": action}
    found, next_cursor = pagination.newest_first_across(
        pagination.Shards(
            keys.audit_log_partitions(app_id),
            sort_key_prefix=keys.AUDIT_SK_PREFIX,
            partition_key_name=keys.AUDIT_PK,
            sort_key_name=keys.AUDIT_SK,
            index=keys.AUDIT_INDEX,
            sort_key_range=_range(first_ms, last_ms),
            filter_equals={name: value for name, value in wanted.items() if value is not None} or None,
        ),
        limit,
        cursor,
    )
    table_keys = [{keys.PK: item[keys.PK], keys.SK: item[keys.SK]} for item in found]
    # eventually consistent, as the index the page was found on: half the read units
    by_key = {(item[keys.PK], item[keys.SK]): item for item in dynamodb.batch_get(table_keys, consistent=False)}
    now = clock.now_epoch()
    shown = [by_key.get((key[keys.PK], key[keys.SK])) for key in table_keys]
    return [_from_item(item) for item in shown if item is not None and _not_expired(item, now)], next_cursor
