"""Fixtures shared by every test layer. The environment is set before any module reads settings."""

from __future__ import annotations

import os

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "TABLE_NAME": "rewards-test",
        "POWERTOOLS_SERVICE_NAME": "rewards",
        "POWERTOOLS_METRICS_NAMESPACE": "RewardsEngine",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)
os.environ.pop("DYNAMODB_ENDPOINT_URL", None)

# moto must be imported before the first boto3 client is created, so that every client is mocked.
from collections.abc import Iterator

import pytest
from hypothesis import settings as hypothesis_settings
from moto import mock_aws

from rewards_cli.gateway import LocalGateway
from rewards_cli.moto_adapter import atomic_moto_dispatch
from rewards_cli.outbox import LocalOutbox, create_message_resources, local_client
from rewards_cli.template import create_table_arguments, load, local_resource_names
from rewards_cli.webhook_listener import WebhookListener
from shared.settings import get_settings
from tests.support.api import ApiClient, Credentials
from tests.support.outbox import BusTap

TABLE_NAME = os.environ["TABLE_NAME"]

# The bus, queues and exports bucket as the local runner names them; webhooks may target the tests' receiver
# on 127.0.0.1 (the local runner's allowance; tests of the deployed rules switch it off).
_LOCAL_RESOURCES = local_resource_names(os.environ["TABLE_NAME"])
os.environ.update(
    {
        "EVENT_BUS_NAME": _LOCAL_RESOURCES["EventBus"],
        "WEBHOOK_QUEUE_URL": _LOCAL_RESOURCES["WebhookDeliveryQueue"],
        "WEBHOOK_DEAD_LETTER_QUEUE_URL": _LOCAL_RESOURCES["WebhookDeadLetterQueue"],
        "EXPORT_QUEUE_URL": _LOCAL_RESOURCES["ExportQueue"],
        "EXPORTS_BUCKET": _LOCAL_RESOURCES["ExportsBucket"],
        "IMPORTS_BUCKET": _LOCAL_RESOURCES["ImportsBucket"],
        "IMPORT_CHUNKS_QUEUE_URL": _LOCAL_RESOURCES["ImportChunksQueue"],
        "WEBHOOK_ALLOW_LOCAL_TARGETS": "true",
        "WEBHOOK_RETRY_BASE_SECONDS": "1",
    }
)
# The imports above validated the settings at import (shared.observability) before these names were
# set: without this, a run of only the tests that tap the bus (a mutation run) looks for a bus "rewards".
get_settings.cache_clear()

# CI replays the same generated examples on every run, so a red CI always means a change broke
# something (exploring new examples is `make fuzz`'s and a developer's run's job).
# No deadline anywhere: speed is the bench's to measure, and a per-example time limit only fails a property
# on a loaded machine (a generated Fraction's arithmetic passed 200 ms under other agents' load).
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def restored_environ() -> Iterator[None]:
    """`rewards` commands configure os.environ for the functions; give the next tests theirs back."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def table() -> Iterator[str]:
    """A fresh table with the exact key schema and indexes of template.yaml, every call atomic; no
    application settings or webhooks cached from another table."""
    from shared.storage.versioned_cache import VersionedCache

    VersionedCache.clear_every()
    with atomic_moto_dispatch(), mock_aws():
        local_client("dynamodb").create_table(**create_table_arguments(TABLE_NAME, stream=False))
        create_message_resources(TABLE_NAME)
        yield TABLE_NAME


def make_application(name: str = "shop") -> Credentials:
    from shared.domain.applications import create_application

    created = create_application(name)
    return Credentials(created.app_id, created.api_key, created.secret_key)


@pytest.fixture
def credentials(table: str) -> Credentials:
    return make_application("shop-a")


@pytest.fixture
def other_credentials(table: str) -> Credentials:
    return make_application("shop-b")


@pytest.fixture
def gateway(table: str) -> LocalGateway:
    return LocalGateway(load())


@pytest.fixture
def api(gateway: LocalGateway, credentials: Credentials) -> ApiClient:
    return ApiClient(gateway, credentials)


@pytest.fixture
def other_api(gateway: LocalGateway, other_credentials: Credentials) -> ApiClient:
    return ApiClient(gateway, other_credentials)


@pytest.fixture
def outbox(gateway: LocalGateway) -> LocalOutbox:
    """The stream -> publisher -> queue -> deliverer path, drained on demand with ``outbox.drain()``."""
    local = LocalOutbox(load(), gateway.pool, TABLE_NAME)
    local.create_resources(from_now=True)
    return local


@pytest.fixture
def receiver() -> Iterator[WebhookListener]:
    """A merchant's webhook endpoint on 127.0.0.1 (answers 200 unless told otherwise)."""
    listener = WebhookListener().start()
    yield listener
    listener.stop()


@pytest.fixture
def bus(outbox: LocalOutbox) -> BusTap:
    """What the engine puts on its EventBridge bus (``bus.read()`` drains the outbox first)."""
    return BusTap(outbox)
