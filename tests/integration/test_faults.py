"""DynamoDB faults under real requests (tests/support/faults.py): throttling (nothing applied) and lost
responses (applied, then the caller sees a timeout), absorbed by the SDK's retries or surviving them.

Invariants:
- a fault that survives the SDK's retries is a 503 ``rate_limited`` with ``Retry-After`` and the one
  error body, never a 500 or a stack trace, on every operation of the route table;
- a client that retries the same request with the same ``Idempotency-Key`` on every 5xx ends with
  exactly the state one fault-free success leaves, wherever the fault strikes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.api import ApiClient
from tests.support.faults import DynamoCall, FaultInjector, FaultKind, FaultPlan, at, injecting_faults, randomly
from tests.support.stateful import Operation, create_path_objects, operations, send
from tests.support.store_outages import (
    MAX_CLIENT_ATTEMPTS,
    SCENARIOS,
    Runner,
    Scenario,
    assert_store_outage_answer,
    check_run,
    describe,
    upsert_customer,
)

KINDS: list[FaultKind] = ["throttle", "lost_response"]


@pytest.fixture
def faults(table: str) -> Iterator[FaultInjector]:
    with injecting_faults() as injector:
        yield injector


def is_tenant_data(call: DynamoCall) -> bool:
    """Everything but the authorizer's credential lookup (tested on its own below)."""
    return not (call.partition_key or "").startswith("APIKEY#")


def is_idempotency_record(call: DynamoCall) -> bool:
    """Powertools' idempotency records: items outside the tenant's and the credentials' keys."""
    return call.partition_key is not None and not call.partition_key.startswith(("APP#", "APIKEY#"))


def is_business_call(call: DynamoCall) -> bool:
    return is_tenant_data(call) and not is_idempotency_record(call)


def is_idempotency_claim(call: DynamoCall) -> bool:
    return call.operation == "PutItem" and is_idempotency_record(call)


@pytest.fixture
def runner(api: ApiClient, faults: FaultInjector) -> Runner:
    return Runner(api, faults)


# ------------------------------------------------------------------ tests


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("attempts", [1, None], ids=["sdk-absorbs", "survives-sdk"])
def test_one_fault_at_any_call_ends_in_exactly_one_success(
    runner: Runner, scenario: Scenario, kind: FaultKind, attempts: int | None
) -> None:
    # Given the calls a fault-free request makes, and the state it leaves
    reference = runner.run(scenario, None)
    assert reference.responses[-1].status < 300, describe(reference)
    # When the n-th of those calls fails (and each time the client retries on a 5xx)
    problems = []
    for number, call in enumerate(reference.calls, start=1):
        run = runner.run(scenario, FaultPlan(kind, at(number), attempts=attempts))
        assert run.calls[number - 1].operation == call.operation, "the calls of a request are not deterministic"
        # Then every 5xx is the 503 answer and the state is exactly that of one success
        problems += check_run(run, reference, f"call {number} ({call.operation} {call.partition_key})")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(3))
def test_a_client_retrying_through_random_faults_ends_in_exactly_one_success(
    runner: Runner, scenario: Scenario, kind: FaultKind, seed: int
) -> None:
    # Given the state a fault-free request leaves
    reference = runner.run(scenario, None)
    # When a quarter of the engine's own calls fail beyond the SDK's retries, and the client retries on
    # every 5xx (faults on the idempotency records are swept one at a time above, and two in a row
    # below; three in a row on one record leave its claim to expire, a known limit)
    plan = FaultPlan(kind, randomly(0.25, seed, first=True), where=is_business_call)
    run = runner.run(scenario, plan)
    # Then it gets through, and the state is that of one success
    assert runner.faults.injections, "no fault was injected"
    assert run.responses[-1].status < 500, f"still failing after {MAX_CLIENT_ATTEMPTS} attempts: {describe(run)}"
    problems = check_run(run, reference, f"seed {seed}, {kind}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("operation", operations(), ids=lambda o: o.label)
@pytest.mark.parametrize("kind", KINDS)
def test_every_operation_answers_a_store_outage_with_503(
    api: ApiClient, faults: FaultInjector, operation: Operation, kind: FaultKind
) -> None:
    # Given the objects the route needs, and the authorizer's policy cached
    values = create_path_objects(api, operation)
    api.get("/customers/warm-up")
    # When every call to the table fails, whatever the SDK retries
    faults.inject(FaultPlan(kind, where=is_tenant_data))
    response = send(api, operation, values)
    faults.inject(None)
    # Then the client is told to retry later; a request that never reached the table is not a 5xx
    if faults.injections:
        assert_store_outage_answer(response)
    else:
        assert response.status < 500, response.body


def test_a_store_outage_during_an_upsert_is_a_503(api: ApiClient, faults: FaultInjector) -> None:
    """Regression: a surviving throttle on the idempotency record was a 500 (Powertools wraps the store's
    error in IdempotencyPersistenceLayerError). The claim is made twice (RECORD_WRITE_CALLS): both throttled."""
    from shared.api.idempotency_store import RECORD_WRITE_CALLS

    api.get("/customers/warm-up")
    faults.inject(FaultPlan("throttle", at(1, 2)))
    response = upsert_customer(api)
    assert {i.call.operation for i in faults.injections} == {"PutItem"}
    assert len([i for i in faults.injections if i.attempt == 1]) == RECORD_WRITE_CALLS
    assert_store_outage_answer(response)
    faults.inject(None)
    assert upsert_customer(api).status == 201


@pytest.mark.parametrize("attempts", [1, None], ids=["sdk-absorbs", "survives-sdk"])
def test_a_lost_response_to_the_idempotency_claim_does_not_block_the_retry(
    runner: Runner, attempts: int | None
) -> None:
    """Every attempt of the claim's PutItem applied and its answer lost: the claim is made once more with
    the same token, which the claim already written lets through (RECORD_WRITE_CALLS)."""
    scenario = SCENARIOS[0]
    reference = runner.run(scenario, None)
    number = next(n for n, call in enumerate(reference.calls, start=1) if is_idempotency_claim(call))
    run = runner.run(scenario, FaultPlan("lost_response", at(number), attempts=attempts))
    assert run.responses[-1].status < 300, describe(run)
    assert run.state == reference.state


def test_a_failed_release_of_the_idempotency_claim_does_not_block_the_retry(runner: Runner) -> None:
    """A request fails (503) and the release of its claim fails too: the release is made once more, so the
    client's retry claims afresh rather than getting 409 'in progress' until the claim expires."""
    scenario = SCENARIOS[0]
    reference = runner.run(scenario, None)
    business = next(n for n, call in enumerate(reference.calls, start=1) if is_business_call(call))
    # the failed business call, then the claim's release (the next call)
    run = runner.run(scenario, FaultPlan("throttle", at(business, business + 1)))
    assert [i.call.operation for i in runner.faults.injections][-1] == "DeleteItem"
    assert run.responses[-1].status < 300, describe(run)
    assert run.state == reference.state


@pytest.mark.parametrize("kind", KINDS)
def test_a_failed_save_of_the_answer_is_made_again_and_the_request_succeeds(runner: Runner, kind: FaultKind) -> None:
    """The work done, the save of its answer on the claim fails beyond the SDK's retries: saved on the next
    call, the request answers its success (it was a 503, and its retry a 409 until the claim expired)."""
    scenario = SCENARIOS[0]
    reference = runner.run(scenario, None)
    save = next(
        n
        for n, call in enumerate(reference.calls, start=1)
        if call.operation == "UpdateItem" and is_idempotency_record(call)
    )
    run = runner.run(scenario, FaultPlan(kind, at(save)))
    assert [i.call.operation for i in runner.faults.injections][-1] == "UpdateItem"
    assert [r.status for r in run.responses] == [reference.responses[-1].status], describe(run)
    assert run.state == reference.state


def test_a_throttled_credential_lookup_is_a_503(api: ApiClient, faults: FaultInjector) -> None:
    faults.inject(FaultPlan("throttle", where=lambda call: not is_tenant_data(call)))
    response = api.get("/customers/KMN@123")
    assert faults.injections, "the credential lookup was not attempted"
    assert_store_outage_answer(response)
