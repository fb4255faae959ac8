"""Applications (tenants) and their API credentials."""

from __future__ import annotations

from typing import Any

from shared.entities.audit import Action
from shared.storage import audit, dynamodb, keys
from shared.storage.dynamodb import Expression, Put, TransactionCancelled, Update
from shared.values import value_class

_NEW = Expression("attribute_not_exists(PK)")
ACTIVE = "active"
DISABLED = "disabled"


@value_class
class StoredCredentials:
    """The credentials item of one API key (what the authorizer reads, in one round trip)."""

    app_id: str
    api_key: str
    secret_hash: str
    # After a rotation: the secret before it, accepted until ``previous_valid_until`` (epoch seconds).
    previous_secret_hash: str | None
    previous_valid_until: int
    # The application's own usage plan limits; None: the default plan's.
    rate_limit: float | None
    burst_limit: int | None


def create(app_id: str, name: str, api_key: str, secret_hash: str, created_at: str) -> None:
    """The application and its credentials item, both or neither."""
    dynamodb.transact_write(
        [
            Put(
                keys.application(app_id)
                | {
                    "type": "application",
                    "app_id": app_id,
                    "name": name,
                    "api_key": api_key,
                    "status": ACTIVE,
                    "created_at": created_at,
                },
                condition=_NEW,
            ),
            Put(
                keys.api_key(api_key)
                | {"type": "credentials", "app_id": app_id, "secret_hash": secret_hash, "status": ACTIVE},
                condition=_NEW,
            ),
        ]
    )


def find_credentials(api_key: str) -> StoredCredentials | None:
    """The credentials of an active API key; one round trip."""
    item = dynamodb.get_item(keys.api_key(api_key), consistent=False)
    if item is None or item.get("status") != ACTIVE:
        return None
    rate, burst = item.get("rate_limit"), item.get("burst_limit")
    return StoredCredentials(
        app_id=item["app_id"],
        api_key=api_key,
        secret_hash=item["secret_hash"],
        previous_secret_hash=item.get("previous_secret_hash"),
        previous_valid_until=int(item.get("previous_valid_until", 0)),
        rate_limit=float(rate) if rate is not None else None,
        burst_limit=int(burst) if burst is not None else None,
    )


def api_key_of(app_id: str) -> str | None:
    item = dynamodb.get_item(keys.application(app_id))
    return None if item is None else str(item["api_key"])


def rotate_secret(api_key: str, new_secret_hash: str, previous_valid_until: int) -> bool:
    """Make ``new_secret_hash`` the secret and keep the current one until ``previous_valid_until``;
    False if the key is not active (unknown or disabled)."""
    found = find_credentials(api_key)
    if found is None:
        return False
    rotated = Update(
        keys.api_key(api_key),
        Expression(
            "SET previous_secret_hash = secret_hash, secret_hash = :new, previous_valid_until = :until",
            values={":new": new_secret_hash, ":until": previous_valid_until},
        ),
        condition=Expression("#status = :active", {"#status": "status"}, {":active": ACTIVE}),
    )
    # the secrets are named (redacted), so the entry says they changed without holding a hash of either
    before = {"secret_hash": found.secret_hash, "previous_valid_until": found.previous_valid_until}
    after = {"secret_hash": new_secret_hash, "previous_valid_until": previous_valid_until}
    try:
        audit.audited([rotated], _credentials_change(found.app_id, api_key, "secret_rotated", before, after))
    except TransactionCancelled:
        return False
    return True


def _credentials_change(
    app_id: str, api_key: str, action: Action, before: dict[str, Any], after: dict[str, Any]
) -> Put:
    """The audit entry of a change of the credentials ``api_key`` (the key names them; it is no secret)."""
    return audit.entry(app_id, "credentials", api_key, action, before, after)


def set_status(app_id: str, api_key: str, status: str, changed_at: str) -> None:
    """The application's and its credentials' status, both or neither."""
    change = Expression(
        "SET #status = :status, status_changed_at = :at",
        {"#status": "status"},
        {":status": status, ":at": changed_at},
    )
    exists = Expression("attribute_exists(PK)")
    action: Action = "disabled" if status == DISABLED else "updated"
    dynamodb.transact_write(
        [
            Update(keys.application(app_id), change, exists),
            Update(keys.api_key(api_key), change, exists),
            _credentials_change(app_id, api_key, action, _as_stored(api_key, "status"), {"status": status}),
        ]
    )


def _as_stored(api_key: str, *names: str) -> dict[str, Any]:
    """What the credentials item holds of ``names`` (an operator's change, for its audit entry's before)."""
    item = dynamodb.get_item(keys.api_key(api_key)) or {}
    return {name: item.get(name) for name in names}


def set_limits(app_id: str, api_key: str, rate_limit: float | None, burst_limit: int | None) -> None:
    """The key's own limits, or (None) back to the default plan's."""
    if rate_limit is None or burst_limit is None:
        update = Expression("REMOVE rate_limit, burst_limit")
    else:
        update = Expression(
            "SET rate_limit = :rate, burst_limit = :burst", values={":rate": rate_limit, ":burst": burst_limit}
        )
    limits = {"rate_limit": rate_limit, "burst_limit": burst_limit}
    audit.audited(
        [Update(keys.api_key(api_key), update, condition=Expression("attribute_exists(PK)"))],
        _credentials_change(app_id, api_key, "limits_changed", _as_stored(api_key, *limits), limits),
    )
