"""template.yaml as the single source of truth for the local runner and the tests: its functions,
routes, environment, authorizer, gateway responses and the table definition (its loops expanded)."""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = PROJECT_ROOT / "template.yaml"


class _CloudFormationLoader(yaml.SafeLoader):
    """Reads CloudFormation short-form tags (``!Ref X``) as ``{"Ref": X}`` / ``{"Fn::X": ...}``."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _intrinsic)

LOOP_PREFIX = "Fn::ForEach::"


def expand_loops(node: Any) -> Any:
    """``node`` with every ``Fn::ForEach::<Loop>`` expanded as the ``AWS::LanguageExtensions`` transform
    does: one copy of the loop's fragment per item of its collection, in which ``${Identifier}`` (and
    ``&{Identifier}``, the item without its non-alphanumeric characters) in keys and strings and
    ``{"Ref": Identifier}`` become the item. Only a literal list of strings is a collection here (a
    ``Ref`` to a parameter would need the deployment's values)."""
    if isinstance(node, list):
        return [expand_loops(item) for item in node]
    if not isinstance(node, dict):
        return node
    expanded: dict[str, Any] = {}
    for key, value in node.items():
        copies = _loop_copies(key, value) if key.startswith(LOOP_PREFIX) else {key: expand_loops(value)}
        for name, copy in copies.items():
            if name in expanded:
                raise ValueError(f"{key} writes {name}, which the template already has")
            expanded[name] = copy
    return expanded


def _loop_copies(key: str, loop: Any) -> dict[str, Any]:
    identifier, collection, fragment = loop
    if not (isinstance(collection, list) and all(isinstance(item, str) for item in collection)):
        raise ValueError(f"{key}: only a literal list of strings can be expanded here, not {collection!r}")
    copies: dict[str, Any] = {}
    for item in collection:
        for name, copy in expand_loops(_substitute(fragment, identifier, item)).items():
            if name in copies:
                raise ValueError(f"{key} writes {name} twice")
            copies[name] = copy
    return copies


def _substitute(node: Any, identifier: str, item: str) -> Any:
    if isinstance(node, str):
        return node.replace(f"${{{identifier}}}", item).replace(f"&{{{identifier}}}", re.sub(r"[^A-Za-z0-9]", "", item))
    if isinstance(node, list):
        return [_substitute(value, identifier, item) for value in node]
    if isinstance(node, dict):
        if node == {"Ref": identifier}:
            return item
        return {_substitute(key, identifier, item): _substitute(value, identifier, item) for key, value in node.items()}
    return node


def parse(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as written, short-form tags in their long forms (``!Ref X`` as ``{"Ref": X}``)."""
    document: dict[str, Any] = yaml.load(path.read_text(), Loader=_CloudFormationLoader)  # noqa: S506 - SafeLoader subclass
    return document


def read_document(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as the SAM transform reads it, after the language extensions: its loops expanded."""
    document: dict[str, Any] = expand_loops(parse(path))
    return document


# An API event's ``Method: any``: the resource's every method it has no route of its own for.
ANY_METHOD = "ANY"


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    pattern: re.Pattern[str]
    # ``Auth: {Authorizer: NONE}`` on the event: the gateway serves it without the authorizer (the
    # dashboard's static files, which a browser loads before anyone has signed in).
    public: bool = False

    def match(self, path: str) -> dict[str, str] | None:
        """The path parameters when ``path`` is this route's resource (whatever the method)."""
        found = self.pattern.fullmatch(path)
        return found.groupdict() if found else None


@dataclass(frozen=True, slots=True)
class Function:
    logical_id: str
    code_dir: Path
    handler: str
    environment: dict[str, Any]
    routes: list[Route] = field(default_factory=list)
    # Its ``Method: any`` events: it serves the methods those resources have no route of their own for.
    other_methods: list[Route] = field(default_factory=list)
    schedules: list[str] = field(default_factory=list)
    memory_mb: int = 128  # Lambda's default
    # The table's stream feeds it: the event source mapping's filter patterns (parsed JSON).
    stream_filters: list[dict[str, Any]] | None = None
    queue: str | None = None  # logical id of the SQS queue that feeds it

    @property
    def module_path(self) -> Path:
        return self.code_dir / f"{self.handler.rsplit('.', 1)[0]}.py"

    @property
    def handler_name(self) -> str:
        return self.handler.rsplit(".", 1)[1]


@dataclass(frozen=True, slots=True)
class Authorizer:
    function_id: str
    identity_header: str
    ttl_seconds: int


@dataclass(frozen=True, slots=True)
class RateLimits:
    """A usage plan's throttle: steady requests per second and burst (token bucket size)."""

    rate: float
    burst: int


@dataclass(frozen=True, slots=True)
class Template:
    functions: dict[str, Function]
    authorizer: Authorizer
    gateway_responses: dict[str, dict[str, Any]]
    table_properties: dict[str, Any]
    parameter_defaults: dict[str, str]
    # Every method needs the caller's API key (the authorizer's usageIdentifierKey) in a usage plan.
    api_key_required: bool = False
    default_limits: RateLimits | None = None
    resource_types: dict[str, str] = field(default_factory=dict)

    @property
    def api_functions(self) -> list[Function]:
        return [f for f in self.functions.values() if f.routes]

    def find_route(self, method: str, path: str) -> tuple[Function, Route, dict[str, str]] | None:
        """The route serving ``method`` on ``path``'s resource: like API Gateway, a literal path segment wins
        over a path parameter (``/campaigns/reward-progress`` before ``/campaigns/{campaign_id}``), a
        resource's own method over its ``ANY``, and a method the resource does not have is not looked for
        on another one."""
        on_resource = self._routes_of(path)
        for wanted in (method.upper(), ANY_METHOD):
            found = next(((f, r, params) for f, r, params in on_resource if r.method == wanted), None)
            if found is not None:
                return found
        return None

    def methods_by_resource(self) -> dict[str, list[str]]:
        """Every resource's methods, as the ``Allow`` header of a method it lacks names them."""
        methods: dict[str, set[str]] = {}
        for function in self.api_functions:
            for route in function.routes:
                methods.setdefault(route.path, set()).add(route.method)
        return {path: sorted(methods[path]) for path in sorted(methods)}

    def _routes_of(self, path: str) -> list[tuple[Function, Route, dict[str, str]]]:
        candidates = [
            (function, route, params)
            for function in self.functions.values()
            for route in (*function.routes, *function.other_methods)
            if (params := route.match(path)) is not None
        ]
        resource = min(candidates, key=lambda found: len(found[2]), default=None)
        return [found for found in candidates if resource is not None and found[1].path == resource[1].path]


def _route(method: str, path: str, public: bool = False) -> Route:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
    return Route(method.upper(), path, re.compile(regex), public)


def _function_of(arn: dict[str, Any]) -> str:
    """The function's logical id in ``!GetAtt F.Arn`` or ``!Ref F.Alias`` (its published alias)."""
    if "Ref" in arn:
        return str(arn["Ref"]).split(".", 1)[0]
    return str(arn["Fn::GetAtt"][0])


@cache
def load(path: Path = TEMPLATE_PATH) -> Template:
    document = read_document(path)
    resources: dict[str, Any] = document["Resources"]
    defaults = document.get("Globals", {}).get("Function", {})
    functions: dict[str, Function] = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        routes: list[Route] = []
        other_methods: list[Route] = []
        schedules: list[str] = []
        stream_filters: list[dict[str, Any]] | None = None
        queue: str | None = None
        for event in props.get("Events", {}).values():
            if event["Type"] == "Api":
                api_event = event["Properties"]
                public = api_event.get("Auth", {}).get("Authorizer") == "NONE"
                route = _route(api_event["Method"], api_event["Path"], public)
                (other_methods if route.method == ANY_METHOD else routes).append(route)
            elif event["Type"] == "Schedule":
                schedules.append(event["Properties"]["Schedule"])
            elif event["Type"] == "DynamoDB":
                filters = event["Properties"].get("FilterCriteria", {}).get("Filters", [])
                stream_filters = [json.loads(f["Pattern"]) for f in filters]
            elif event["Type"] == "SQS":
                queue = event["Properties"]["Queue"]["Fn::GetAtt"][0]
        environment = {
            **defaults.get("Environment", {}).get("Variables", {}),
            **props.get("Environment", {}).get("Variables", {}),
        }
        functions[logical_id] = Function(
            logical_id=logical_id,
            code_dir=PROJECT_ROOT / props["CodeUri"],
            handler=props.get("Handler", defaults.get("Handler")),
            environment=environment,
            routes=routes,
            other_methods=other_methods,
            schedules=schedules,
            memory_mb=int(props.get("MemorySize", defaults.get("MemorySize", 128))),
            stream_filters=stream_filters,
            queue=queue,
        )
    api = next(r for r in resources.values() if r["Type"] == "AWS::Serverless::Api")["Properties"]
    authorizer_name = api["Auth"]["DefaultAuthorizer"]
    authorizer = api["Auth"]["Authorizers"][authorizer_name]
    table = next(r for r in resources.values() if r["Type"] == "AWS::DynamoDB::Table")
    parameter_defaults = {
        name: str(spec["Default"]) for name, spec in document.get("Parameters", {}).items() if "Default" in spec
    }
    return Template(
        functions=functions,
        authorizer=Authorizer(
            function_id=_function_of(authorizer["FunctionArn"]),
            identity_header=authorizer["Identity"]["Headers"][0],
            ttl_seconds=int(authorizer["Identity"].get("ReauthorizeEvery", 300)),
        ),
        gateway_responses=api.get("GatewayResponses", {}),
        table_properties=table["Properties"],
        parameter_defaults=parameter_defaults,
        api_key_required=bool(api["Auth"].get("ApiKeyRequired", False)),
        default_limits=_default_limits(resources, parameter_defaults),
        resource_types={logical_id: resource["Type"] for logical_id, resource in resources.items()},
    )


def _default_limits(resources: dict[str, Any], parameters: dict[str, str]) -> RateLimits | None:
    """The throttle of the template's one usage plan (its parameters' defaults), if it has one."""
    plans = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::ApiGateway::UsagePlan"]
    if not plans or "Throttle" not in plans[0]:
        return None

    def value(setting: Any) -> str:
        return parameters[setting["Ref"]] if isinstance(setting, dict) else str(setting)

    throttle = plans[0]["Throttle"]
    return RateLimits(rate=float(value(throttle["RateLimit"])), burst=int(value(throttle["BurstLimit"])))


def create_table_arguments(table_name: str, *, stream: bool = True) -> dict[str, Any]:
    """``CreateTable`` arguments from the template's own table definition, so tests and the local
    runner use exactly the key schema and indexes that are deployed. ``stream=False`` leaves the stream
    off (moto keeps every change of a stream in memory: tests that read none skip that cost; the outbox
    turns it on when it starts)."""
    props = load().table_properties
    arguments: dict[str, Any] = {
        "TableName": table_name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props["BillingMode"],
    }
    if props.get("GlobalSecondaryIndexes"):
        arguments["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    if stream and props.get("StreamSpecification"):
        arguments["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    return arguments


LOCAL_ACCOUNT_URL = "https://sqs.us-east-1.amazonaws.com/123456789012"


def local_resource_names(table_name: str) -> dict[str, str]:
    """What ``!Ref`` of each bus, queue and bucket of the template is locally: names derived from the
    table's, so that runners on different tables never share one (a bucket's name in lower case, as S3
    wants it)."""
    names: dict[str, str] = {}
    for logical_id, kind in load().resource_types.items():
        if kind == "AWS::SQS::Queue":
            names[logical_id] = f"{LOCAL_ACCOUNT_URL}/{table_name}-{logical_id}"
        elif kind == "AWS::Events::EventBus":
            names[logical_id] = f"{table_name}-{logical_id}"
        elif kind == "AWS::S3::Bucket":  # lowercase; in presigned URLs, so the table's name is not shown
            names[logical_id] = f"{logical_id.lower()}-{zlib.crc32(table_name.encode()):08x}"
    return names


def ttl_attribute() -> str:
    return str(load().table_properties["TimeToLiveSpecification"]["AttributeName"])


def resolve_environment(function: Function, table_name: str) -> dict[str, str]:
    """The function's environment, with the table's reference as the local table's name and parameters'
    references as their defaults."""
    references = {"Table": table_name, **load().parameter_defaults, **local_resource_names(table_name)}
    return {
        name: references[value["Ref"]] if isinstance(value, dict) and "Ref" in value else str(value)
        for name, value in function.environment.items()
    }
