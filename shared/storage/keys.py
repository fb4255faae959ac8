"""Every key format of the single table, in one place.

Tenant data lives under partition keys that start with ``APP#<app_id>#``: a key built here for one
application can never address another application's items. Only the credentials item is global,
because the authorizer must find the application from an API key before it knows the tenant.
"""

from __future__ import annotations

PK = "PK"
SK = "SK"
TTL_ATTRIBUTE = "expires_at"


def api_key(api_key_value: str) -> dict[str, str]:
    return {PK: f"APIKEY#{api_key_value}", SK: "APIKEY"}


def application(app_id: str) -> dict[str, str]:
    return {PK: f"APP#{app_id}", SK: "APP"}


def tenant_prefix(app_id: str) -> str:
    return f"APP#{app_id}#"


def customer_partition(app_id: str, source_id: str) -> str:
    return f"{tenant_prefix(app_id)}CUST#{source_id}"


def customer(app_id: str, source_id: str) -> dict[str, str]:
    return {PK: customer_partition(app_id, source_id), SK: "PROFILE"}
