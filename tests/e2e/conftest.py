"""Where the end-to-end tests send their requests: a deployed stage when E2E_BASE_URL, E2E_API_KEY and
E2E_SECRET_KEY are set (`make e2e E2E_BASE_URL=https://.../v1 ...`), else a local runner of their own.
A test that needs the runner itself (its store, its output, `rewards` commands against it) asks for the
``runner`` fixture and is skipped against a deployed stage."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.e2e.runner import HttpClient, LocalRunner
from tests.support.api import basic

# The credentials of events/authorizer.json, so that `rewards invoke AuthorizerFunction` is allowed here.
DEMO_API_KEY, DEMO_SECRET_KEY = "ak_demo", "sk_demo"
_STAGE_VARIABLES = ("E2E_BASE_URL", "E2E_API_KEY", "E2E_SECRET_KEY")


@dataclass(frozen=True)
class Stage:
    base_url: str
    api_key: str
    secret_key: str

    @property
    def authorization(self) -> str:
        return basic(self.api_key, self.secret_key)


def deployed_stage() -> Stage | None:
    values = [os.environ.get(name, "").strip() for name in _STAGE_VARIABLES]
    if not any(values):
        return None
    if not all(values):
        missing = [name for name, value in zip(_STAGE_VARIABLES, values, strict=True) if not value]
        raise pytest.UsageError(f"set all of {', '.join(_STAGE_VARIABLES)} (missing {', '.join(missing)})")
    return Stage(values[0].rstrip("/"), values[1], values[2])


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRunner]:
    """One runner per module, demo credentials pinned, on a state file of its own."""
    if deployed_stage() is not None:
        pytest.skip("needs the local runner (E2E_BASE_URL points at a deployed stage)")
    state_file = tmp_path_factory.mktemp("runner") / "dynamodb.json"
    with LocalRunner(state_file, env={"LOCAL_API_KEY": DEMO_API_KEY, "LOCAL_SECRET_KEY": DEMO_SECRET_KEY}) as runner:
        yield runner
        assert runner.running, f"the runner died during the tests:\n{runner.output}"
        assert runner.stop() == 0, runner.output


@pytest.fixture(scope="module")
def stage(request: pytest.FixtureRequest) -> Stage:
    deployed = deployed_stage()
    if deployed is not None:
        return deployed
    runner: LocalRunner = request.getfixturevalue("runner")
    return Stage(runner.base_url, runner.demo["api_key"], runner.demo["secret_key"])


@pytest.fixture(autouse=True)
def _show_runner_output(request: pytest.FixtureRequest) -> Iterator[None]:
    """Whatever the runner printed during a test, shown with that test's report when it fails."""
    uses_runner = deployed_stage() is None and {"runner", "stage"} & set(request.fixturenames)
    runner: LocalRunner | None = request.getfixturevalue("runner") if uses_runner else None
    mark = runner.line_count if runner else 0
    yield
    if runner is not None:
        print(f"runner output during the test:\n{runner.output_since(mark)}")


@pytest.fixture
def http(stage: Stage) -> HttpClient:
    return HttpClient(stage.base_url)


@pytest.fixture
def demo_auth(stage: Stage) -> str:
    return stage.authorization
