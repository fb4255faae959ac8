"""Applications (tenants): creation by an operator and authentication of every API call."""

from __future__ import annotations

from dataclasses import dataclass

from shared import auth, clock
from shared.errors import Conflict
from shared.ids import new_id
from shared.storage import applications
from shared.storage.dynamodb import TransactionCancelled


@dataclass(frozen=True, slots=True)
class NewApplication:
    """Shown once at creation; only a hash of ``secret_key`` is stored."""

    app_id: str
    name: str
    api_key: str
    secret_key: str


def create_application(name: str, api_key: str | None = None, secret_key: str | None = None) -> NewApplication:
    """Create an application; ``api_key``/``secret_key`` pin the credentials (the local runner's demo app)."""
    created = NewApplication(
        app_id=new_id("app"),
        name=name,
        api_key=api_key or auth.new_api_key(),
        secret_key=secret_key or auth.new_secret_key(),
    )
    try:
        applications.create(
            created.app_id, name, created.api_key, auth.hash_secret(created.secret_key), clock.now_iso()
        )
    except TransactionCancelled as error:
        raise Conflict("Application already exists", f"api key {created.api_key} is already in use") from error
    return created


def authenticate(authorization_header: str | None) -> str | None:
    """The app id the header's Basic credentials belong to, or None; constant time whether the key exists or not."""
    credentials = auth.parse_basic_header(authorization_header)
    if credentials is None:
        return None
    found = applications.find_credentials(credentials.api_key)
    app_id, stored_hash = found if found else (None, None)
    return app_id if auth.secret_matches(credentials.secret_key, stored_hash) else None


def find_application_for_key(api_key: str) -> str | None:
    found = applications.find_credentials(api_key)
    return found[0] if found else None
