"""Erasure's pure parts: the pseudonym, the customer.erased translator, the stream filter's ``exists``
matching it relies on, and the export's sections (no store)."""

from __future__ import annotations

from typing import Any, get_args

from rewards_cli.outbox import matches
from shared.domain.erasure import SECTIONS, WEBHOOK_DELIVERIES, Section, pseudonym_of
from shared.domain.outbox import event_id, events_of
from shared.entities.changes import ItemChange
from shared.storage.erasure import PARTITION_SECTIONS

APP = "app_a"
PROFILE: dict[str, Any] = {
    "type": "customer",
    "customer_id": "cust_1",
    "source_id": "ana@example.com",
    "name": "Ana",
    "created_at": "2026-01-01T00:00:00.000Z",
}
ERASED = {
    **{name: value for name, value in PROFILE.items() if name != "name"},
    "erased_at": "2026-02-01T00:00:00.000Z",
    "pseudonym": "anon_x",
}


def test_the_pseudonym_is_keyed_per_application_and_customer() -> None:
    one = pseudonym_of("k" * 64, APP, "ana@example.com")
    assert one == pseudonym_of("k" * 64, APP, "ana@example.com")
    assert one.startswith("anon_")
    assert len(one) == 26
    assert one[5:].isalnum()
    others = {
        pseudonym_of("j" * 64, APP, "ana@example.com"),  # another key: nobody without it can recompute one
        pseudonym_of("k" * 64, "app_b", "ana@example.com"),
        pseudonym_of("k" * 64, APP, "ana@example.con"),
    }
    assert one not in others
    assert len(others) == 3
    assert "ana" not in one.lower()


def test_the_first_erasure_is_announced_once_and_without_the_source_id() -> None:
    (erased,) = events_of(ItemChange(APP, "MODIFY", PROFILE, ERASED))
    assert (erased.type, erased.id) == ("customer.erased", event_id(APP, "customer.erased", "cust_1"))
    assert erased.data == {"customer_id": "cust_1", "pseudonym": "anon_x", "erased_at": "2026-02-01T00:00:00.000Z"}
    assert erased.created_at == "2026-02-01T00:00:00.000Z"
    assert events_of(ItemChange(APP, "MODIFY", ERASED, ERASED | {"updated_at": "later"})) == []  # erased again
    assert events_of(ItemChange(APP, "MODIFY", PROFILE, PROFILE | {"name": "Anna"})) == []  # an update


def _record(kind: str, old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    def image(values: dict[str, Any]) -> dict[str, Any]:
        return {name: {"S": str(value)} for name, value in values.items()}

    return {"eventName": kind, "dynamodb": {"NewImage": image(new), **({"OldImage": image(old)} if old else {})}}


def test_exists_matches_an_attribute_present_or_absent() -> None:
    erasing = {
        "eventName": ["MODIFY"],
        "dynamodb": {
            "NewImage": {"type": {"S": ["customer"]}, "erased_at": {"S": [{"exists": True}]}},
            "OldImage": {"erased_at": {"S": [{"exists": False}]}},
        },
    }
    assert matches(erasing, _record("MODIFY", PROFILE, ERASED))
    assert not matches(erasing, _record("MODIFY", ERASED, ERASED))  # erased before
    assert not matches(erasing, _record("MODIFY", PROFILE, PROFILE))  # not erased
    assert not matches(erasing, _record("INSERT", None, ERASED))
    assert not matches({"dynamodb": {"NewImage": {"type": {"S": ["customer"]}}}}, _record("MODIFY", None, {"x": 1}))


def test_the_export_sections_are_the_partitions_then_the_deliveries() -> None:
    assert SECTIONS == get_args(Section) == (*PARTITION_SECTIONS, WEBHOOK_DELIVERIES)
