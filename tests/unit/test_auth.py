"""shared/auth.py: the Authorization header, the secret's hash and its comparison."""

from __future__ import annotations

import base64
import hmac
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.auth import BasicCredentials, hash_secret, new_api_key, new_secret_key, parse_basic_header, secret_matches


def b64(raw: bytes | str) -> str:
    return base64.b64encode(raw.encode() if isinstance(raw, str) else raw).decode()


# ------------------------------------------------------------------------------------------ parsing


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f"Basic {b64('ak_1:sk_2')}", ("ak_1", "sk_2")),
        (f"basic {b64('ak_1:sk_2')}", ("ak_1", "sk_2")),
        (f"BASIC {b64('ak_1:sk_2')}", ("ak_1", "sk_2")),
        (f"  Basic {b64('ak_1:sk_2')}  ", ("ak_1", "sk_2")),
        (f"Basic  {b64('ak_1:sk_2')}", ("ak_1", "sk_2")),
        # RFC 7617: the user id cannot hold a colon, the password can
        (f"Basic {b64('ak_1:sk:with:colons')}", ("ak_1", "sk:with:colons")),
        (f"Basic {b64('ключ:секрет')}", ("ключ", "секрет")),
        (f"Basic {b64('ak 1:sk 2')}", ("ak 1", "sk 2")),
    ],
)
def test_valid_basic_headers(header: str, expected: tuple[str, str]) -> None:
    assert parse_basic_header(header) == BasicCredentials(*expected)


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="none"),
        pytest.param("", id="empty"),
        pytest.param("Basic", id="scheme only"),
        pytest.param("Basic ", id="scheme and space"),
        pytest.param(f"Bearer {b64('ak_1:sk_2')}", id="bearer"),
        pytest.param(f"Digest {b64('ak_1:sk_2')}", id="digest"),
        pytest.param(f"Basic{b64('ak_1:sk_2')}", id="no space after scheme"),
        pytest.param(b64("ak_1:sk_2"), id="no scheme"),
        pytest.param("ak_1:sk_2", id="not encoded"),
        pytest.param("Basic ak_1:sk_2", id="plain text credentials"),
        pytest.param("Basic !!!!", id="not base64"),
        pytest.param("Basic YWtfMTpza18y=", id="bad padding"),
        pytest.param("Basic YWtfMTpza18", id="missing padding"),
        pytest.param(f"Basic {b64('ak_1:sk_2')}x", id="trailing garbage"),
        pytest.param(f"Basic {b64('ak_1sk_2')}", id="missing colon"),
        pytest.param(f"Basic {b64(':sk_2')}", id="empty key"),
        pytest.param(f"Basic {b64('ak_1:')}", id="empty secret"),
        pytest.param(f"Basic {b64(':')}", id="both empty"),
        pytest.param(f"Basic {b64('')}", id="empty credentials"),
        pytest.param(f"Basic {b64(b'\xff\xfe:\xfa')}", id="not utf-8"),
        pytest.param(f"Basic {b64(b'ak_\xc3:sk')}", id="truncated utf-8"),
        pytest.param(f"Basic {b64('ak_1:' + 'x' * 600)}", id="too long"),
        pytest.param("Basic " + "A" * 10_000, id="huge"),
    ],
)
def test_anything_else_is_no_credentials(header: str | None) -> None:
    assert parse_basic_header(header) is None


def test_the_length_limit_is_on_the_whole_header() -> None:
    at_limit = "Basic " + b64("k:" + "s" * 300)
    assert len(at_limit) <= 512
    assert parse_basic_header(at_limit) == BasicCredentials("k", "s" * 300)
    over = "Basic " + b64("k:" + "s" * 400)
    assert len(over) > 512
    assert parse_basic_header(over) is None


def test_generated_credentials_round_trip() -> None:
    key, secret = new_api_key(), new_secret_key()
    assert parse_basic_header(f"Basic {b64(f'{key}:{secret}')}") == BasicCredentials(key, secret)


# ------------------------------------------------------------------------------------- generation


def test_keys_are_long_random_tokens() -> None:
    keys = {new_api_key() for _ in range(50)}
    secrets = {new_secret_key() for _ in range(50)}
    assert len(keys) == len(secrets) == 50
    assert all(re.fullmatch(r"ak_[0-9a-f]{32}", k) for k in keys)
    assert all(re.fullmatch(r"sk_[A-Za-z0-9_-]{43}", s) for s in secrets)


# ------------------------------------------------------------------------------------------ hashing


def test_hash_format_is_scheme_dollar_hex_digest() -> None:
    stored = hash_secret("sk_secret")
    assert re.fullmatch(r"sha256\$[0-9a-f]{64}", stored)
    assert stored == hash_secret("sk_secret")
    assert stored != hash_secret("sk_secreT")
    assert "sk_secret" not in stored


def test_hash_of_unicode_secret() -> None:
    assert re.fullmatch(r"sha256\$[0-9a-f]{64}", hash_secret("секрет🔑"))


def test_secret_matches_its_hash() -> None:
    assert secret_matches("sk_secret", hash_secret("sk_secret"))


@pytest.mark.parametrize("attempt", ["sk_wrong", "sk_secre", "sk_secret ", "SK_SECRET", ""])
def test_another_secret_does_not_match(attempt: str) -> None:
    assert not secret_matches(attempt, hash_secret("sk_secret"))


@pytest.mark.parametrize("stored", ["", "sk_secret", "sha256$", "md5$abc", hash_secret("sk_secret").upper()])
def test_a_malformed_stored_hash_never_matches(stored: str) -> None:
    assert not secret_matches("sk_secret", stored)


def test_unknown_key_never_matches_but_still_compares(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown API key costs one constant-time comparison too, so timing does not tell keys apart."""
    compared: list[tuple[Any, Any]] = []
    compare_digest = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return compare_digest(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)

    assert not secret_matches("sk_secret", None)
    assert len(compared) == 1
    # even the secret whose hash stands in for the unknown key does not match a missing key
    assert not secret_matches("", None)
    assert len(compared) == 2


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("Basic été", id="non-ascii credentials (was a 503: b64decode raised ValueError)"),
        pytest.param("Basic \udcff\udcfe", id="undecodable bytes as surrogate escapes"),
        pytest.param("Basic \x00\x01\x7f", id="control characters"),
        pytest.param("Basic 🎉🎉==", id="emoji"),
        pytest.param("été", id="non-ascii scheme"),
        pytest.param("Basic\u00a0YWtfMTpza18y", id="no-break space as separator"),
    ],
)
def test_any_bytes_are_no_credentials(header: str) -> None:
    assert parse_basic_header(header) is None


@given(st.text(max_size=600))
def test_parsing_never_raises_whatever_the_header(header: str) -> None:
    for candidate in (header, f"Basic {header}", f"basic  {header} "):
        result = parse_basic_header(candidate)
        assert result is None or (result.api_key and result.secret_key)
