"""Signatures and the retry schedule of webhook deliveries."""

from __future__ import annotations

import hashlib
import hmac
import itertools

import pytest

from shared.domain import webhooks
from shared.domain.outbox import DomainEvent, event_id
from shared.messaging import MAX_VISIBILITY_SECONDS

SECRET = "whsec_test"
BODY = b'{"id":"evt_1","type":"points.credited"}'


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    header = webhooks.sign(SECRET, 1_700_000_000, BODY)
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_verify_accepts_the_signature_and_rejects_any_change() -> None:
    header = webhooks.sign(SECRET, 1_700_000_000, BODY)
    assert webhooks.verify(SECRET, header, BODY, 1_700_000_000)
    assert not webhooks.verify(SECRET, header, BODY + b" ", 1_700_000_000)
    assert not webhooks.verify("whsec_other", header, BODY, 1_700_000_000)
    assert not webhooks.verify(SECRET, header.replace("t=1700000000", "t=1700000001"), BODY, 1_700_000_000)
    assert not webhooks.verify(SECRET, "v1=deadbeef", BODY, 1_700_000_000)
    assert not webhooks.verify(SECRET, "", BODY, 1_700_000_000)


def test_verify_bounds_the_age_of_a_signature_both_ways() -> None:
    header = webhooks.sign(SECRET, 1_700_000_000, BODY)
    tolerance = webhooks.SIGNATURE_TOLERANCE_SECONDS
    assert webhooks.verify(SECRET, header, BODY, 1_700_000_000 + tolerance)
    assert not webhooks.verify(SECRET, header, BODY, 1_700_000_000 + tolerance + 1)
    assert webhooks.verify(SECRET, header, BODY, 1_700_000_000 - tolerance)
    assert not webhooks.verify(SECRET, header, BODY, 1_700_000_000 - tolerance - 1)


def test_the_schedule_retries_for_more_than_a_day_with_exponential_backoff() -> None:
    delays = [webhooks.retry_delay(n, 60) for n in range(1, webhooks.MAX_ATTEMPTS)]
    assert delays[:5] == [60, 120, 240, 480, 960]
    assert all(later >= earlier for earlier, later in itertools.pairwise(delays))
    assert max(delays) == webhooks.RETRY_CAP_SECONDS <= MAX_VISIBILITY_SECONDS
    assert sum(delays) >= 24 * 3600
    assert sum(delays[:-1]) < 24 * 3600  # and no attempt more than needed


def test_locally_the_first_retry_comes_within_five_seconds() -> None:
    assert webhooks.retry_delay(1, 2) <= 5
    assert webhooks.retry_delay(1, 5) == 5


def test_event_ids_depend_on_the_change_only() -> None:
    assert event_id("app_a", "points.credited", "txn_1") == event_id("app_a", "points.credited", "txn_1")
    assert event_id("app_a", "points.credited", "txn_1") != event_id("app_b", "points.credited", "txn_1")
    assert event_id("app_a", "points.credited", "txn_1") != event_id("app_a", "points.debited", "txn_1")
    assert len(event_id("app_a", "x")) == len("evt_") + 21


@pytest.mark.parametrize("stamp", ["2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.001Z", "2030-06-01T12:00:00.000Z"])
def test_delivery_ids_sort_by_the_time_of_their_event(stamp: str) -> None:
    earlier = DomainEvent("evt_a", "points.credited", "2025-12-31T23:59:59.999Z", "app_a", {})
    later = DomainEvent("evt_b", "points.credited", stamp, "app_a", {})
    first, second = webhooks.delivery_id(earlier, "whk_1"), webhooks.delivery_id(later, "whk_1")
    assert first < second
    assert len(first) == len("dlv_") + 21
    assert webhooks.delivery_id(earlier, "whk_1") != webhooks.delivery_id(earlier, "whk_2")


def test_events_are_put_in_calls_within_eventbridges_limits() -> None:
    from shared.messaging import PUT_EVENTS_MAX_BYTES, _put_events_chunks

    small = [("points.credited", "{}")] * 23
    assert [len(c) for c in _put_events_chunks(small)] == [10, 10, 3]
    large = [("customer.created", "x" * 100_000)] * 5
    chunks = _put_events_chunks(large)
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert all(sum(len(large[i][1]) for i in c) <= PUT_EVENTS_MAX_BYTES for c in chunks)
    assert [i for c in chunks for i in c] == list(range(5))
    assert _put_events_chunks([]) == []
