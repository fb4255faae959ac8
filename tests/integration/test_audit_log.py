"""The audit log: every management change recorded in the change's own transaction, with the credential
(its API key, never its secret), the time, the request id and the changed fields before and after."""

from __future__ import annotations

from typing import Any

from tests.conftest import Credentials
from tests.support.api import ApiClient
from tests.support.campaigns import rta_seed_campaign


def _log(api: ApiClient, **query: str) -> list[dict[str, Any]]:
    response = api.get("/audit-log", query=query)
    assert response.status == 200, response.body
    entries: list[dict[str, Any]] = response.json()["data"]
    return entries


def _campaign(api: ApiClient) -> str:
    created = api.post("/campaigns", rta_seed_campaign())
    assert created.status == 201, created.body
    campaign_id: str = created.json()["campaign_id"]
    return campaign_id


def test_a_campaign_patch_shows_with_the_key_that_made_it_and_the_fields_before_and_after(
    api: ApiClient, credentials: Credentials
) -> None:
    # Given a campaign
    campaign_id = _campaign(api)
    # When its name and status change
    patched = api.patch(f"/campaigns/{campaign_id}", {"campaign_name": "Summer", "status": "paused"})
    assert patched.status == 200, patched.body
    # Then its history shows the change first, by this application's key, with only the changed fields
    history = _log(api, object_type="campaign", object_id=campaign_id)
    assert [entry["action"] for entry in history] == ["updated", "created"]
    change = history[0]
    assert change["credential"] == credentials.api_key
    assert credentials.secret_key not in patched.body.decode() + str(history)
    assert change["request_id"] == patched.header("x-request-id")
    assert change["before"] == {"campaign_name": "Real time action campaign", "status": "active"}
    assert change["after"] == {"campaign_name": "Summer", "status": "paused"}
    assert (change["object_type"], change["object_id"]) == ("campaign", campaign_id)
    assert change["id"].startswith("aud_")
    assert change["created_at"].endswith("Z")
