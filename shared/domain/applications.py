"""Applications (tenants): creation, secret rotation, disabling and rate limits by an operator, and the
authentication of every API call."""

from __future__ import annotations

from shared import auth, clock
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.ids import new_id
from shared.storage import applications
from shared.storage.dynamodb import TransactionCancelled
from shared.values import value_class


@value_class
class NewApplication:
    """Shown once at creation; only a hash of ``secret_key`` is stored."""

    app_id: str
    name: str
    api_key: str
    secret_key: str


def create_application(
    name: str, api_key: str | None = None, secret_key: str | None = None, app_id: str | None = None
) -> NewApplication:
    """Create an application; ``api_key``/``secret_key``/``app_id`` pin it (the local runner's demo app)."""
    created = NewApplication(
        app_id=app_id or new_id("app"),
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


DEFAULT_GRACE_SECONDS = 24 * 3600
MAX_GRACE_SECONDS = 30 * 24 * 3600
# API Gateway's own account-level throttle (per region, by default): a usage plan cannot exceed it.
MAX_RATE_LIMIT = 10_000
MAX_BURST_LIMIT = 5_000


@value_class
class Caller:
    """Who an authenticated request comes from: the application, and the API key its usage plan throttles."""

    app_id: str
    api_key: str


@value_class
class RotatedSecret:
    """Shown once: the new secret; the previous one works until ``previous_valid_until``."""

    app_id: str
    api_key: str
    secret_key: str
    previous_valid_until: str


def authenticate(authorization_header: str | None) -> Caller | None:
    """The caller the header's Basic credentials belong to, or None. The current secret and, during a
    rotation's grace period, the previous one are accepted; two comparisons are spent whether the key
    exists or not, so timing tells nothing about which keys exist."""
    credentials = auth.parse_basic_header(authorization_header)
    if credentials is None:
        return None
    found = applications.find_credentials(credentials.api_key)
    current = auth.secret_matches(credentials.secret_key, found.secret_hash if found else None)
    in_grace = found is not None and clock.now_epoch() < found.previous_valid_until
    previous = auth.secret_matches(credentials.secret_key, found.previous_secret_hash if found and in_grace else None)
    if found is None or not (current or previous):
        return None
    return Caller(found.app_id, found.api_key)


def find_application_for_key(api_key: str) -> str | None:
    found = applications.find_credentials(api_key)
    return found.app_id if found else None


def require_application(app_id: str) -> None:
    """NotFound unless the application exists (an operator command naming it acts on nothing else)."""
    _api_key_of(app_id)


def _api_key_of(app_id: str) -> str:
    api_key = applications.api_key_of(app_id)
    if api_key is None:
        raise NotFound(f"Cannot find application {app_id}")
    return api_key


def rotate_secret(app_id: str, grace_seconds: int = DEFAULT_GRACE_SECONDS) -> RotatedSecret:
    """A new secret for the application; the current one keeps working for ``grace_seconds``, then stops.
    Rotating again within the grace period ends the older secret's grace at once (only one previous)."""
    if not 0 <= grace_seconds <= MAX_GRACE_SECONDS:
        raise ValidationFailed(f"grace period must be 0 to {MAX_GRACE_SECONDS // 3600} hours")
    api_key = _api_key_of(app_id)
    secret_key = auth.new_secret_key()
    valid_until = clock.now_epoch() + grace_seconds
    if not applications.rotate_secret(api_key, auth.hash_secret(secret_key), valid_until):
        raise NotFound(f"Cannot find active application {app_id}")
    return RotatedSecret(app_id, api_key, secret_key, clock.iso_from_epoch_ms(valid_until * 1000))


def disable_application(app_id: str) -> str:
    """Every credential of the application stops working (within the authorizer's cache TTL); its API key."""
    api_key = _api_key_of(app_id)
    applications.set_status(app_id, api_key, applications.DISABLED, clock.now_iso())
    return api_key


def set_rate_limits(app_id: str, rate_limit: float | None, burst_limit: int | None) -> str:
    """The application's own limits (requests per second, burst), or both None for the default plan's;
    its API key."""
    if (rate_limit is None) != (burst_limit is None):
        raise ValidationFailed("rate and burst are set together (or neither, for the default plan)")
    if (
        rate_limit is not None
        and burst_limit is not None
        and not (0 < rate_limit <= MAX_RATE_LIMIT and 1 <= burst_limit <= MAX_BURST_LIMIT)
    ):
        raise ValidationFailed(f"rate must be above 0 and at most {MAX_RATE_LIMIT}, burst 1 to {MAX_BURST_LIMIT}")
    api_key = _api_key_of(app_id)
    applications.set_limits(app_id, api_key, rate_limit, burst_limit)
    return api_key
