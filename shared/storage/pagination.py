"""Pages of one partition with opaque cursors. A cursor carries only the sort key of the last item
returned: the partition is always rebuilt from the caller's own application, so a cursor can never lead
into another tenant's data. One more item than asked is read, so ``next_cursor`` is null exactly when
there is nothing more."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from shared.errors import ValidationFailed
from shared.storage import dynamodb, keys
from shared.storage.dynamodb import Expression, Item


def _encode(sort_key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"sk": sort_key}).encode()).decode().rstrip("=")


def _decode(cursor: str, sort_key_prefix: str) -> str:
    try:
        sort_key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["sk"]
    except (binascii.Error, ValueError, KeyError, TypeError) as error:
        raise ValidationFailed("cursor: is not a cursor this API returned") from error
    if not isinstance(sort_key, str) or not sort_key.startswith(sort_key_prefix):
        raise ValidationFailed("cursor: is not a cursor this API returned")
    return sort_key


def page(
    partition: str,
    sort_key_prefix: str,
    limit: int,
    cursor: str | None,
    *,
    newest_first: bool = False,
    consistent: bool = False,
    filter_expression: Expression | None = None,
) -> tuple[list[Item], str | None]:
    """With ``filter_expression``, DynamoDB reads ``limit + 1`` items and then drops the ones that do not
    match, so the query goes on from where it stopped until a full page matched or the partition ends."""
    start: dict[str, Any] | None = {keys.PK: partition, keys.SK: _decode(cursor, sort_key_prefix)} if cursor else None
    found: list[Item] = []
    while True:
        result = dynamodb.query(
            Expression("PK = :pk AND begins_with(SK, :prefix)", values={":pk": partition, ":prefix": sort_key_prefix}),
            limit=limit + 1,
            start_key=start,
            newest_first=newest_first,
            consistent=consistent,
            filter_expression=filter_expression,
        )
        found.extend(result.items)
        if len(found) > limit or result.last_key is None:
            break
        start = result.last_key
    items = found[:limit]
    has_more = len(found) > limit
    return items, _encode(items[-1][keys.SK]) if has_more else None
