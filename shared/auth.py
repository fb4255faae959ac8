"""HTTP Basic credentials: parsing, generation and hashing. Pure functions, no I/O."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from shared.values import value_class

# API keys and secrets are long random tokens, so a fast hash is enough: unlike passwords they cannot be
# guessed from a dictionary, and bcrypt-style slowness would only add latency to every cold authorizer call.
HASH_SCHEME = "sha256"
_MAX_HEADER_LENGTH = 512


@value_class
class BasicCredentials:
    api_key: str
    secret_key: str


def parse_basic_header(header: str | None) -> BasicCredentials | None:
    """The credentials of an ``Authorization: Basic base64(key:secret)`` header, or None if it is anything else."""
    if not isinstance(header, str) or not header or len(header) > _MAX_HEADER_LENGTH:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    encoded = encoded.strip()
    # Any bytes may arrive (``Basic été``); b64decode raises ValueError, not binascii.Error, for non-ASCII.
    if scheme.lower() != "basic" or not encoded or not encoded.isascii():
        return None
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        return None
    api_key, separator, secret_key = decoded.partition(":")
    if not separator or not api_key or not secret_key:
        return None
    return BasicCredentials(api_key, secret_key)


def hash_secret(secret_key: str) -> str:
    return f"{HASH_SCHEME}${hashlib.sha256(secret_key.encode('utf-8')).hexdigest()}"


# Compared against when the API key is unknown, so that a miss costs the same as a wrong secret.
_UNKNOWN_KEY_HASH = hash_secret(secrets.token_urlsafe(32))


def secret_matches(secret_key: str, stored_hash: str | None) -> bool:
    """Constant-time comparison; an unknown key (``stored_hash`` None) still spends one comparison."""
    expected = stored_hash or _UNKNOWN_KEY_HASH
    matches = hmac.compare_digest(hash_secret(secret_key).encode(), expected.encode())
    return matches and stored_hash is not None


def new_api_key() -> str:
    return f"ak_{secrets.token_hex(16)}"


def new_secret_key() -> str:
    return f"sk_{secrets.token_urlsafe(32)}"
