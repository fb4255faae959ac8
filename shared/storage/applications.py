"""Applications (tenants) and their API credentials."""

from __future__ import annotations

from shared.storage import dynamodb, keys
from shared.storage.dynamodb import Expression, Put

_NEW = Expression("attribute_not_exists(PK)")


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
                    "created_at": created_at,
                },
                condition=_NEW,
            ),
            Put(
                keys.api_key(api_key)
                | {"type": "credentials", "app_id": app_id, "secret_hash": secret_hash, "status": "active"},
                condition=_NEW,
            ),
        ]
    )


def find_credentials(api_key: str) -> tuple[str, str] | None:
    """``(app_id, secret_hash)`` of an active API key; one round trip."""
    item = dynamodb.get_item(keys.api_key(api_key), consistent=False)
    if item is None or item.get("status") != "active":
        return None
    return item["app_id"], item["secret_hash"]
