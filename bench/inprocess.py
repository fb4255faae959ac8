"""(b) DynamoDB round trips and (c) warm CPU per request, in process under moto.

    python -m bench.inprocess RESULT.json     (run by bench/run.py in a process of its own)

Every route of template.yaml (and every scheduled function) runs its cases from bench/scenarios.py in a
world of its own (a fresh application) through ``LocalGateway``: API Gateway's routing, the real REQUEST
authorizer, then the route's real handler, all over moto with the template's table.

(b) Round trips are counted at botocore's ``before-send`` event of DynamoDB, once per HTTP request the
SDK would put on the wire (retries included), by a handler every botocore session in this process
registers (the ``BUILTIN_HANDLERS`` hook moto itself uses), so a client a function creates on its own
is counted too. They are attributed to the invocation under way: the authorizer (measured on a cold
cache: a new gateway per request) or the route's function.

(c) CPU is ``time.process_time`` around the function's invocation, warm (module loaded, authorizer
cached), minus the CPU moto spends serving DynamoDB (``time.thread_time`` inside its dispatch). Of what
is left, "sdk" is botocore's client side of the DynamoDB calls (``BaseClient._make_api_call`` minus moto
inside it: building, signing, parsing, which a Lambda pays too) and "app" the rest: our code, Powertools
(Logger context, EMF metrics flush; tracing disabled) and pydantic. Beside it, "bare": a plain
``APIGatewayRestResolver(enable_validation=True)`` with one route of the same method and path whose
handler has the real handler's signature (same path/query parameters, same pydantic body model) and
returns ``{"ok": true}``, resolving a copy of the same event. The ratio is app / bare.
"""

from __future__ import annotations

import copy
import importlib.util
import inspect
import os
import statistics
import sys
import threading
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import scenarios
from bench.capacity import Charge, Images, Schema, charges, written_keys
from bench.common import TABLE_NAME, write_json
from bench.scenarios import Case, Reply, Request, Scenario, SetupFailed, World

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

    from rewards_cli.gateway import LocalGateway
    from rewards_cli.template import Function, Route, Template

WARMUP_REQUESTS = 8
MAX_REQUESTS = int(os.environ.get("BENCH_CPU_REQUESTS", "120"))
MAX_SECONDS_PER_CASE = float(os.environ.get("BENCH_CPU_SECONDS", "4"))
AUTHORIZER_REQUESTS = 60
SWEEP_BYTES = 16 * 2**20  # beyond this machine's L2 (1 MiB per core), half its L3
_SWEEP_SOURCE = bytearray(b"\x5a" * SWEEP_BYTES)
_SWEEP_TARGET = bytearray(SWEEP_BYTES)


def _cold_caches() -> None:
    """Evict the CPU caches before a measured invocation. Between two invocations a Lambda sandbox is
    frozen and its host runs other code, so a request starts cache-cold; and a bare baseline run right
    after our handler would find Powertools and pydantic hot in cache (measured here: 0.06 ms hot,
    0.35 ms cold for the same bare route). Doing this before both keeps the comparison fair."""
    _SWEEP_TARGET[:] = _SWEEP_SOURCE


def _configure_environment() -> None:
    """Lambda's variables for every function (from template.yaml), fake credentials, no endpoint."""
    from rewards_cli.environment import configure

    os.environ.pop("DYNAMODB_ENDPOINT_URL", None)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_SESSION_TOKEN": "bench",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    configure(TABLE_NAME, None)
    # As deployed, except X-Ray (no daemon here): EMF metrics and JSON logs are written (to /dev/null).
    os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "false"
    warnings.filterwarnings("ignore", message="No application metrics to publish")


# ------------------------------------------------------------------------------------------ recording


@dataclass(slots=True)
class Invocation:
    role: str  # "authorizer", "function" or "scheduled"
    cpu: float  # process_time seconds
    dynamodb_cpu: float  # of which moto serving DynamoDB
    sdk_cpu: float  # of which botocore's client side of DynamoDB calls (building, signing, parsing)
    event: dict[str, Any] | None  # a copy of the event as the function received it


@dataclass
class Recorder:
    authorizer_id: str
    active: bool = False
    capture_events: bool = False
    cold_caches: bool = False
    role: str | None = None
    function_id: str | None = None  # the function being invoked, as ``role`` (bench/heat.py)
    calls: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    # On-demand read and write units consumed, per role (bench/capacity.py).
    capacity: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    dynamodb_cpu: float = 0.0
    dynamodb_cpu_by_operation: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    dynamodb_calls_by_operation: Counter[str] = field(default_factory=Counter)
    sdk_cpu: float = 0.0
    invocations: list[Invocation] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    per_thread: threading.local = field(default_factory=threading.local)
    # Told of every DynamoDB call's charges per partition, while recording (bench/heat.py).
    on_charges: Callable[[Recorder, list[Charge]], None] | None = None

    def thread_dynamodb_cpu(self) -> float:
        value: float = getattr(self.per_thread, "dynamodb_cpu", 0.0)
        return value

    @contextmanager
    def counted_as_dynamodb(self) -> Iterator[None]:
        """The capacity counting (reading items from moto's engine) is the store's side, as moto's own
        serving: excluded from the CPU of the function and of the SDK."""
        started = time.thread_time()
        try:
            yield
        finally:
            spent = time.thread_time() - started
            with self.lock:
                self.dynamodb_cpu += spent
            self.per_thread.dynamodb_cpu = self.thread_dynamodb_cpu() + spent

    def on_send(self, event_name: str = "", **_: Any) -> None:
        """botocore ``before-send.dynamodb.<Operation>``: one HTTP request to DynamoDB."""
        if self.active:
            self.calls[self.role or "outside any function"][event_name.rsplit(".", 1)[-1]] += 1

    @contextmanager
    def recording(self, *, capture_events: bool = False, cold_caches: bool = False) -> Iterator[Recorder]:
        self.calls = defaultdict(Counter)
        self.capacity = defaultdict(Counter)
        self.invocations = []
        self.active, self.capture_events, self.cold_caches = True, capture_events, cold_caches
        try:
            yield self
        finally:
            self.active, self.capture_events, self.cold_caches = False, False, False

    def invocation(self, role: str) -> Invocation:
        found = [i for i in self.invocations if i.role == role]
        if len(found) != 1:
            raise RuntimeError(f"expected one {role} invocation, got {len(found)}")
        return found[0]


def _install_hooks(recorder: Recorder) -> None:
    """Before any botocore session exists: count every DynamoDB send; time (and serialise) moto's dispatch;
    time the client side of every DynamoDB call (thread CPU, so concurrent calls are not mixed up)."""
    from botocore.client import BaseClient
    from botocore.handlers import BUILTIN_HANDLERS
    from moto.core.botocore_stubber import BotocoreStubber

    BUILTIN_HANDLERS.append(("before-send.dynamodb", recorder.on_send))
    original_dispatch = BotocoreStubber.process_request

    def process_request(self: BotocoreStubber, request: Any) -> Any:
        with recorder.lock:  # moto is not atomic across threads; DynamoDB is (see FIELD-NOTES)
            started = time.thread_time()
            try:
                return original_dispatch(self, request)
            finally:
                spent = time.thread_time() - started
                recorder.dynamodb_cpu += spent
                target = request.headers.get("X-Amz-Target", b"")
                operation = (target.decode() if isinstance(target, bytes) else str(target)).rsplit(".", 1)[-1]
                recorder.dynamodb_cpu_by_operation[operation] += spent
                recorder.dynamodb_calls_by_operation[operation] += 1
                recorder.per_thread.dynamodb_cpu = recorder.thread_dynamodb_cpu() + spent

    BotocoreStubber.process_request = process_request  # type: ignore[method-assign]
    original_call = BaseClient._make_api_call  # type: ignore[attr-defined]

    def make_api_call(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name != "dynamodb":
            return original_call(self, operation_name, api_params)
        started, dynamodb_before = time.thread_time(), recorder.thread_dynamodb_cpu()
        with recorder.counted_as_dynamodb():
            images = StoreImages(operation_name, api_params) if recorder.active else None
        response: dict[str, Any] = {}
        try:
            response = original_call(self, operation_name, api_params)
            return response
        finally:
            if images is not None:  # a write refused by its condition is charged too
                with recorder.counted_as_dynamodb():
                    found = charges(operation_name, api_params, response, images.around(), images.schema)
                    _charge(recorder, found)
            spent = time.thread_time() - started - (recorder.thread_dynamodb_cpu() - dynamodb_before)
            with recorder.lock:
                recorder.sdk_cpu += spent

    BaseClient._make_api_call = make_api_call  # type: ignore[attr-defined]


class StoreImages:
    """The items a write call names, read straight from moto's engine (no call, nothing charged) before
    the call and, through ``around``, after it: what DynamoDB sizes a write by."""

    _schema: Schema | None = None

    def __init__(self, operation: str, params: dict[str, Any]) -> None:
        from moto.core.models import DEFAULT_ACCOUNT_ID

        from rewards_cli import moto_adapter

        self.schema = self.table_schema()
        self.table = moto_adapter.find_table(DEFAULT_ACCOUNT_ID, os.environ.get("AWS_REGION", "us-east-1"), TABLE_NAME)
        self.keys = written_keys(self.schema, operation, params) if self.table is not None else []
        self.before = [self._image(key) for key in self.keys]

    @classmethod
    def table_schema(cls) -> Schema:
        if cls._schema is None:
            from rewards_cli.template import create_table_arguments

            cls._schema = Schema.of(create_table_arguments(TABLE_NAME))
        return cls._schema

    def _image(self, key: dict[str, Any]) -> dict[str, Any] | None:
        from rewards_cli import moto_adapter

        return None if self.table is None else moto_adapter.image_at(self.table, key)

    def around(self) -> Images:
        return {
            self.schema.key_of(key): (before, self._image(key))
            for key, before in zip(self.keys, self.before, strict=True)
        }


def _charge(recorder: Recorder, found: list[Charge]) -> None:
    with recorder.lock:
        units = recorder.capacity[recorder.role or "outside any function"]
        units["read_units"] += sum(c.read_units for c in found)  # type: ignore[assignment]  # Counter of floats
        units["write_units"] += sum(c.write_units for c in found)  # type: ignore[assignment]
        if recorder.on_charges is not None:
            recorder.on_charges(recorder, found)


def _recording_pool(recorder: Recorder) -> Any:
    from rewards_cli.lambdas import FunctionPool

    class RecordingPool(FunctionPool):
        def _load(self, function: Function) -> Any:
            role = recorder.role
            recorder.role = f"{role} init" if role else None  # calls made while importing the module
            try:
                return super()._load(function)
            finally:
                recorder.role = role

        def invoke(self, function: Function, event: dict[str, Any]) -> Any:
            if not recorder.active or recorder.role is not None:
                return super().invoke(function, event)
            if function.logical_id == recorder.authorizer_id:
                role = "authorizer"
            else:
                role = "function" if function.routes or function.other_methods else "scheduled"
            snapshot = copy.deepcopy(event) if recorder.capture_events and role == "function" else None
            recorder.role, recorder.function_id = role, function.logical_id
            if recorder.cold_caches:
                _cold_caches()
            dynamodb_before, sdk_before = recorder.dynamodb_cpu, recorder.sdk_cpu
            started = time.process_time()
            try:
                return super().invoke(function, event)
            finally:
                cpu = time.process_time() - started
                recorder.role = recorder.function_id = None
                recorder.invocations.append(
                    Invocation(
                        role, cpu, recorder.dynamodb_cpu - dynamodb_before, recorder.sdk_cpu - sdk_before, snapshot
                    )
                )

    return RecordingPool()


# ------------------------------------------------------------------------------------------ the world


class InProcessWorld(World):
    def __init__(self, gateway: LocalGateway, authorization: str, app_id: str = "") -> None:
        super().__init__()
        self.gateway = gateway
        self.authorization = authorization
        self.app_id = app_id

    def send_request(
        self, method: str, template_path: str, request: Request, gateway: LocalGateway | None = None
    ) -> Reply:
        """Through ``gateway`` when given (a cold one), else the world's own."""
        all_headers = {"Authorization": self.authorization, **request.headers}
        response = (self.gateway if gateway is None else gateway).handle(
            method,
            request.path(template_path),
            {k: [v] for k, v in request.query.items()} if request.query else None,
            {k: [v] for k, v in all_headers.items()},
            request.json_body(),
        )
        try:
            parsed = response.json() if response.body else None
        except ValueError:
            parsed = response.body.decode(errors="replace")
        return Reply(response.status, parsed)


def _new_world(template: Template, pool: Any, name: str) -> InProcessWorld:
    from rewards_cli.gateway import LocalGateway
    from shared.domain.applications import create_application

    created = create_application(f"bench {name}")
    import base64

    token = base64.b64encode(f"{created.api_key}:{created.secret_key}".encode()).decode()
    return InProcessWorld(LocalGateway(template, pool), f"Basic {token}", created.app_id)


# ------------------------------------------------------------------------------------------ bare baseline


def _bare_resolver(function: Function, route: Route) -> tuple[APIGatewayRestResolver | None, str]:
    """A bare resolver with one route of the same method and path, whose handler has the real one's
    signature (so the same parameters and pydantic body model are validated) and does nothing else."""
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

    class CapturingResolver(APIGatewayRestResolver):
        def __init__(self) -> None:
            super().__init__(enable_validation=True)
            self.handlers: dict[tuple[str, str], Callable[..., Any]] = {}

        def route(self, rule: str, method: Any, *args: Any, **kwargs: Any) -> Any:
            register = super().route(rule, method, *args, **kwargs)

            def capture(func: Callable[..., Any]) -> Any:
                for name in [method] if isinstance(method, str) else method:
                    self.handlers[(name.upper(), rule)] = func
                return register(func)

            return capture

    spec = importlib.util.spec_from_file_location(f"bench_bare_{function.logical_id}", function.module_path)
    if spec is None or spec.loader is None:
        return None, f"cannot load {function.module_path}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    router = getattr(module, "router", None)
    if router is None:
        return None, f"{function.module_path} has no module-level `router`"
    capturing = CapturingResolver()
    capturing.include_router(router)
    rule = route.path.replace("{", "<").replace("}", ">")
    real = capturing.handlers.get((route.method, rule))
    if real is None:
        return None, f"no {route.method} {rule} on the router of {function.logical_id}"

    def bare(**_: Any) -> dict[str, bool]:
        return {"ok": True}

    signature = inspect.signature(real, eval_str=True)
    bare.__signature__ = signature.replace(return_annotation=inspect.Signature.empty)  # type: ignore[attr-defined]
    app = APIGatewayRestResolver(enable_validation=True)
    app.route(rule, route.method)(bare)
    return app, ""


# ------------------------------------------------------------------------------------------ measuring


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _ops(calls: Mapping[str, Counter[str]], role: str) -> dict[str, int]:
    return dict(sorted(calls.get(role, Counter()).items()))


def _round_trips(
    world: InProcessWorld, template: Template, pool: Any, recorder: Recorder, method: str, path: str, case: Case
) -> dict[str, Any]:
    from rewards_cli.gateway import LocalGateway

    request = case.build()  # setup, not recorded
    cold_gateway = LocalGateway(template, pool)  # a new gateway: the authorizer's cache is cold
    with recorder.recording() as recording:
        reply = world.send_request(method, path, request, cold_gateway)
    calls = recording.calls
    return {
        "status": reply.status,
        "authorizer": sum(calls.get("authorizer", Counter()).values()),
        "function": sum(calls.get("function", Counter()).values()),
        "function_init": sum(calls.get("function init", Counter()).values()),
        "outside": sum(calls.get("outside any function", Counter()).values()),
        "operations": {role: _ops(calls, role) for role in sorted(calls)},
        "capacity": {role: dict(sorted(units.items())) for role, units in sorted(recording.capacity.items())},
        "response": reply.body if reply.status >= 400 else None,
    }


def _cpu(
    world: InProcessWorld,
    recorder: Recorder,
    method: str,
    path: str,
    case: Case,
    bare: APIGatewayRestResolver | None,
) -> dict[str, Any]:
    from rewards_cli.lambdas import LocalContext

    ours: list[float] = []
    dynamodb: list[float] = []
    sdk: list[float] = []
    bare_cpu: list[float] = []
    statuses: Counter[int] = Counter()
    bare_statuses: Counter[int] = Counter()
    deadline = time.monotonic() + MAX_SECONDS_PER_CASE
    sent = 0
    while sent < WARMUP_REQUESTS + MAX_REQUESTS and (sent < WARMUP_REQUESTS + 5 or time.monotonic() < deadline):
        request = case.build()
        with recorder.recording(capture_events=bare is not None, cold_caches=True) as recording:
            reply = world.send_request(method, path, request)
        sent += 1
        if sent <= WARMUP_REQUESTS:
            continue
        statuses[reply.status] += 1
        invocation = recording.invocation("function")
        ours.append(invocation.cpu - invocation.dynamodb_cpu)
        dynamodb.append(invocation.dynamodb_cpu)
        sdk.append(invocation.sdk_cpu)
        if bare is not None and invocation.event is not None:
            event = copy.deepcopy(invocation.event)
            context = LocalContext("BareResolver")
            _cold_caches()
            started = time.process_time()
            result = bare.resolve(event, context)  # type: ignore[arg-type]  # LocalContext quacks like LambdaContext
            bare_cpu.append(time.process_time() - started)
            bare_statuses[int(result["statusCode"])] += 1
    ours_ms = statistics.median(ours) * 1000
    app_ms = statistics.median([o - s for o, s in zip(ours, sdk, strict=True)]) * 1000
    bare_ms = statistics.median(bare_cpu) * 1000 if bare_cpu else None
    return {
        "requests": len(ours),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "app_ms": round(app_ms, 3),
        "sdk_ms": _ms(statistics.median(sdk)),
        "ours_ms": round(ours_ms, 3),
        "ours_mean_ms": _ms(statistics.fmean(ours)),
        "dynamodb_excluded_ms": _ms(statistics.median(dynamodb)),
        "bare_ms": None if bare_ms is None else round(bare_ms, 3),
        "bare_statuses": {str(k): v for k, v in sorted(bare_statuses.items())},
        "ratio": None if not bare_ms else round(app_ms / bare_ms, 2),
        "ratio_with_sdk": None if not bare_ms else round(ours_ms / bare_ms, 2),
    }


def _scheduled_cpu(pool: Any, recorder: Recorder, function: Function, case: Case) -> dict[str, Any]:
    from rewards_cli.apigw import scheduled_event

    ours: list[float] = []
    dynamodb: list[float] = []
    sdk: list[float] = []
    deadline = time.monotonic() + MAX_SECONDS_PER_CASE
    sent = 0
    while sent < 3 + MAX_REQUESTS // 4 and (sent < 8 or time.monotonic() < deadline):
        case.build()
        with recorder.recording(cold_caches=True) as recording:
            pool.invoke(function, scheduled_event(function.logical_id))
        sent += 1
        if sent <= 3:
            continue
        invocation = recording.invocation("scheduled")
        ours.append(invocation.cpu - invocation.dynamodb_cpu)
        dynamodb.append(invocation.dynamodb_cpu)
        sdk.append(invocation.sdk_cpu)
    return {
        "requests": len(ours),
        "app_ms": _ms(statistics.median([o - s for o, s in zip(ours, sdk, strict=True)])),
        "sdk_ms": _ms(statistics.median(sdk)),
        "ours_ms": _ms(statistics.median(ours)),
        "ours_mean_ms": _ms(statistics.fmean(ours)),
        "dynamodb_excluded_ms": _ms(statistics.median(dynamodb)),
        "bare_ms": None,
        "ratio": None,
        "ratio_with_sdk": None,
    }


def _failure(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]


def _measured_routes(function: Function) -> list[Route]:
    """A function's routes, and for the one serving resources' other methods, the wrong method that
    stands for them all (scenarios.WRONG_METHOD)."""
    method, path = scenarios.WRONG_METHOD
    return [*function.routes, *(replace(r, method=method) for r in function.other_methods if r.path == path)]


def _measure_route(
    template: Template, pool: Any, recorder: Recorder, function: Function, route: Route, openapi: Any
) -> list[dict[str, Any]]:
    base = {"kind": "route", "function": function.logical_id, "route": f"{route.method} {route.path}"}
    try:
        world = _new_world(template, pool, route.path)
        scenario: Scenario = scenarios.route_scenario(world, route.method, route.path, openapi)
    except (SetupFailed, Exception) as error:
        return [{**base, "case": None, "scenario": "setup failed", "error": _failure(error)}]
    if not scenario.cases:
        return [{**base, "case": None, "scenario": "no scenario", "error": scenario.missing}]
    bare, why_not = _bare_resolver(function, route)
    rows = []
    for case in scenario.cases:
        row: dict[str, Any] = {**base, "case": case.label, "scenario": scenario.source}
        try:
            row["round_trips"] = _round_trips(world, template, pool, recorder, route.method, route.path, case)
            row["cpu"] = _cpu(world, recorder, route.method, route.path, case, bare)
            if bare is None:
                row["cpu"]["bare_unavailable"] = why_not
        except Exception as error:
            row["error"] = _failure(error)
        rows.append(row)
    return rows


def _measure_schedule(template: Template, pool: Any, recorder: Recorder, function: Function) -> list[dict[str, Any]]:
    from rewards_cli.apigw import scheduled_event

    base = {"kind": "schedule", "function": function.logical_id, "route": f"{function.logical_id} (scheduled)"}
    try:
        world = _new_world(template, pool, function.logical_id)
        scenario = scenarios.schedule_scenario(world, function.logical_id)
    except Exception as error:
        return [{**base, "case": None, "scenario": "setup failed", "error": _failure(error)}]
    rows = []
    for case in scenario.cases:
        row: dict[str, Any] = {**base, "case": case.label, "scenario": scenario.source}
        try:
            case.build()
            with recorder.recording() as recording:
                result = pool.invoke(function, scheduled_event(function.logical_id))
            calls = recording.calls
            row["round_trips"] = {
                "status": None,
                "authorizer": 0,
                "function": sum(calls.get("scheduled", Counter()).values()),
                "function_init": sum(calls.get("scheduled init", Counter()).values()),
                "outside": sum(calls.get("outside any function", Counter()).values()),
                "operations": {role: _ops(calls, role) for role in sorted(calls)},
                "capacity": {role: dict(sorted(units.items())) for role, units in sorted(recording.capacity.items())},
                "result": result,
            }
            row["cpu"] = _scheduled_cpu(pool, recorder, function, case)
        except Exception as error:
            row["error"] = _failure(error)
        rows.append(row)
    return rows


def _measure_authorizer(template: Template, pool: Any, recorder: Recorder) -> dict[str, Any]:
    """The authorizer alone, on a cold cache each time, behind the first GET route with a scenario."""
    from rewards_cli.gateway import LocalGateway

    for route in (r for f in template.api_functions for r in f.routes if r.method == "GET"):
        with _fresh_table():
            world = _new_world(template, pool, "authorizer")
            try:
                scenario = scenarios.route_scenario(world, route.method, route.path, None)
            except Exception as error:
                print(f"bench: authorizer behind {route.path}: {_failure(error)}", file=sys.stderr)
                continue
            if not scenario.cases:
                continue
            case = scenario.cases[0]
            ours: list[float] = []
            dynamodb: list[float] = []
            sdk: list[float] = []
            calls: Counter[str] = Counter()
            for sent in range(WARMUP_REQUESTS + AUTHORIZER_REQUESTS):
                request = case.build()
                with recorder.recording(cold_caches=True) as recording:
                    world.send_request(route.method, route.path, request, LocalGateway(template, pool))
                if sent < WARMUP_REQUESTS:
                    continue
                invocation = recording.invocation("authorizer")
                ours.append(invocation.cpu - invocation.dynamodb_cpu)
                dynamodb.append(invocation.dynamodb_cpu)
                sdk.append(invocation.sdk_cpu)
                calls.update(recording.calls.get("authorizer", Counter()))
            return {
                "function": template.authorizer.function_id,
                "behind": f"{route.method} {route.path}",
                "requests": len(ours),
                "round_trips_per_request": round(sum(calls.values()) / len(ours), 2),
                "operations_per_request": {op: round(n / len(ours), 2) for op, n in sorted(calls.items())},
                "app_ms": _ms(statistics.median([o - s for o, s in zip(ours, sdk, strict=True)])),
                "sdk_ms": _ms(statistics.median(sdk)),
                "ours_ms": _ms(statistics.median(ours)),
                "dynamodb_excluded_ms": _ms(statistics.median(dynamodb)),
            }
    return {"function": template.authorizer.function_id, "error": "no GET route with a scenario to call"}


def recording_setup() -> tuple[Template, Recorder, Any]:
    """The environment, the template, a recorder hooked into botocore and a pool that attributes each
    call to its function: what a part measuring requests in process starts with."""
    _configure_environment()
    from rewards_cli.template import load

    template = load()
    recorder = Recorder(template.authorizer.function_id)
    _install_hooks(recorder)
    return template, recorder, _recording_pool(recorder)


@contextmanager
def _fresh_table() -> Iterator[None]:
    """An empty moto account with the template's table: every route starts from the same state. moto is
    patched as the local runner's store is (rewards_cli/moto_adapter.py): plain moto copies every table
    for each transaction, which grew without bound on the routes that build large tables (10,000-code
    pools: it ran out of 24 GB of memory), and walks every item for a query."""
    import boto3
    from moto import mock_aws

    from rewards_cli import moto_adapter
    from rewards_cli.outbox import create_message_resources
    from rewards_cli.template import create_table_arguments

    moto_adapter.install()

    with mock_aws():
        boto3.client("dynamodb").create_table(**create_table_arguments(TABLE_NAME, stream=False))
        create_message_resources(TABLE_NAME)
        yield


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    _configure_environment()
    from rewards_cli.template import load

    template = load()
    recorder = Recorder(template.authorizer.function_id)
    _install_hooks(recorder)  # after moto's import (it adds its own handler), before any client exists

    import boto3

    with _fresh_table():
        probe = boto3.client("dynamodb")
        with recorder.recording() as recording:
            probe.describe_table(TableName=TABLE_NAME)
        if recording.calls != {"outside any function": Counter({"DescribeTable": 1})}:
            raise RuntimeError(f"the round-trip counter is not wired: {dict(recording.calls)}")
    pool = _recording_pool(recorder)
    try:
        from rewards_cli.openapi import build_spec

        openapi: Any = build_spec()
    except Exception as error:
        print(f"bench: no OpenAPI spec for the fallback scenarios: {_failure(error)}", file=sys.stderr)
        openapi = None
    rows: list[dict[str, Any]] = []
    for function in template.functions.values():
        for route in _measured_routes(function):
            print(f"bench: (b)(c) {route.method} {route.path}", file=sys.stderr)
            with _fresh_table():
                rows.extend(_measure_route(template, pool, recorder, function, route, openapi))
        if function.schedules:
            print(f"bench: (b)(c) {function.logical_id} (scheduled)", file=sys.stderr)
            with _fresh_table():
                rows.extend(_measure_schedule(template, pool, recorder, function))
    authorizer = _measure_authorizer(template, pool, recorder)
    unregistered = sorted(
        f"{r.method} {r.path}"
        for f in template.api_functions
        for r in f.routes
        if (r.method, r.path) not in scenarios.registered_routes()
    )
    write_json(
        out,
        {
            "rows": rows,
            "authorizer": authorizer,
            "missing_scenarios": [r["route"] for r in rows if r.get("scenario") == "no scenario"],
            "moto_cpu_per_call_ms": {
                operation: round(recorder.dynamodb_cpu_by_operation[operation] * 1000 / calls, 2)
                for operation, calls in sorted(recorder.dynamodb_calls_by_operation.items())
            },
            "routes_without_registry_entry": unregistered,
            "settings": {
                "warmup_requests": WARMUP_REQUESTS,
                "max_requests": MAX_REQUESTS,
                "max_seconds_per_case": MAX_SECONDS_PER_CASE,
            },
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
