"""What an audit entry keeps of a change: the changed fields only, nested fields by path, secrets named
but never kept, values within their budget, and an id whose time bounds the log's ranges."""

from __future__ import annotations

from shared.ids import new_sortable_id, sortable_id_floor
from shared.limits import AUDIT_VALUES_BUDGET
from shared.storage.audit import REDACTED, changed_fields


def test_only_the_fields_that_differ_are_kept() -> None:
    before = {"PK": "x", "name": "A", "status": "active", "updated_at": "t1", "version": 1, "dates": None}
    after = {"PK": "x", "name": "B", "status": "active", "updated_at": "t2", "version": 2, "dates": None}
    assert changed_fields(before, after) == ({"name": "A"}, {"name": "B"}, ())


def test_a_field_added_or_removed_is_on_one_side_only() -> None:
    assert changed_fields({"a": 1}, {"b": 2}) == ({"a": 1}, {"b": 2}, ())
    assert changed_fields({}, {}) == ({}, {}, ())
    # a field set to null is a change from its value (null is kept, as the store keeps it)
    assert changed_fields({"ends_at": 5}, {"ends_at": None}) == ({"ends_at": 5}, {"ends_at": None}, ())


def test_nested_fields_are_named_by_their_path() -> None:
    before = {"definition": {"name": "$5 OFF", "attributes": {"description": "old", "image_url": "u"}}}
    after = {"definition": {"name": "$5 OFF", "attributes": {"description": "new", "image_url": "u"}}}
    assert changed_fields(before, after) == (
        {"definition.attributes.description": "old"},
        {"definition.attributes.description": "new"},
        (),
    )


def test_a_secret_is_named_when_it_changes_and_never_kept() -> None:
    kept_before, kept_after, _ = changed_fields(
        {"secret_hash": "sha256$old", "status": "active"}, {"secret_hash": "sha256$new", "status": "active"}
    )
    assert (kept_before, kept_after) == ({"secret_hash": REDACTED}, {"secret_hash": REDACTED})
    # nested too, and on a creation
    assert changed_fields({}, {"webhook": {"secret": "whsec_x"}})[1] == {"webhook.secret": REDACTED}
    # an unchanged secret is not a change
    assert changed_fields({"secret": "s"}, {"secret": "s"}) == ({}, {}, ())


def test_values_past_the_budget_are_named_but_not_kept() -> None:
    half = "x" * (AUDIT_VALUES_BUDGET // 2)
    before, after, omitted = changed_fields({"a": "1", "b": half, "c": "3"}, {"a": "2", "b": half + "y", "c": "4"})
    # "b" alone takes more than the budget with both its values: it is named, the others kept
    assert (before, after, omitted) == ({"a": "1", "c": "3"}, {"a": "2", "c": "4"}, ("b",))
    # just within the budget, it is kept
    small = "x" * (AUDIT_VALUES_BUDGET // 2 - 40)
    assert changed_fields({"b": small}, {"b": small + "y"})[2] == ()


def test_an_id_sorts_between_the_floors_of_its_millisecond_and_the_next() -> None:
    for ms in (1, 1_796_000_000_000, 1_796_000_000_999):
        made = new_sortable_id("aud", ms)
        # a range's first key is its first millisecond's floor, its last key the last one's floor and "~"
        assert sortable_id_floor("aud", ms) <= made <= sortable_id_floor("aud", ms) + "~"
        assert sortable_id_floor("aud", ms - 1) + "~" < made < sortable_id_floor("aud", ms + 1)
