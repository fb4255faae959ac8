"""The OpenAPI 3.1 document, generated from the functions' own routers (found through template.yaml)."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.models import HTTPBase

from rewards_cli.openapi_examples import EXAMPLES
from rewards_cli.template import PROJECT_ROOT, load
from shared.api.allowed_methods import ALLOWED_METHODS_PATH
from shared.api.http import API_TITLE, API_VERSION, create_app

SPEC_PATH = PROJECT_ROOT / "openapi.json"


def _router(module_path: Any, name: str) -> Router:
    spec = importlib.util.spec_from_file_location(f"openapi_{name}", module_path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as an import would: pydantic resolves generics through it
    spec.loader.exec_module(module)
    router: Router = module.router
    return router


def build_spec() -> dict[str, Any]:
    routers = [_router(f.module_path, f.logical_id) for f in load().api_functions]
    app = create_app(*routers, documented=True)
    document = app.get_openapi_json_schema(
        title=API_TITLE,
        version=API_VERSION,
        description="Loyalty and rewards engine. Every operation uses HTTP Basic auth: "
        "username = API key, password = secret key of an application.",
        security_schemes={"basicAuth": HTTPBase(scheme="basic")},
        security=[{"basicAuth": []}],
    )
    parsed: dict[str, Any] = json.loads(document)
    _drop_unsent_validation_responses(parsed)
    _document_webhooks(parsed)
    _attach_examples(parsed)
    _drop_unreferenced_schemas(parsed)
    _mark_public_routes(parsed)
    return parsed


def _mark_public_routes(spec: dict[str, Any]) -> None:
    """Routes the template serves without the authorizer (the dashboard's files) need no credentials,
    so they never answer 401."""
    for function in load().api_functions:
        for route in function.routes:
            if route.public:
                operation = spec["paths"][route.path][route.method.lower()]
                operation["security"] = []
                operation["responses"].pop("401", None)


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for ops in spec.get("paths", {}).values() for op in ops.values() if isinstance(op, dict)]


def _document_webhooks(spec: dict[str, Any]) -> None:
    """The domain events (OpenAPI 3.1 ``webhooks``): what a registered URL receives, per event type."""
    from pydantic.json_schema import models_json_schema

    from shared.domain.domain_events import DESCRIPTIONS, ENVELOPES
    from shared.domain.event_types import EVENT_TYPES
    from shared.domain.webhooks import EVENT_ID_HEADER, SIGNATURE_HEADER

    _, schemas = models_json_schema(
        [(model, "serialization") for model in ENVELOPES.values()],
        ref_template="#/components/schemas/{model}",
    )
    spec.setdefault("components", {}).setdefault("schemas", {}).update(schemas.get("$defs", {}))
    headers = [
        {
            "name": SIGNATURE_HEADER,
            "in": "header",
            "required": True,
            "description": 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the webhook\'s secret>',
            "schema": {"type": "string"},
        },
        {
            "name": EVENT_ID_HEADER,
            "in": "header",
            "required": True,
            "description": "The event's id (evt_…): the same on every retry and redelivery",
            "schema": {"type": "string"},
        },
    ]
    spec["webhooks"] = {
        kind: {
            "post": {
                "operationId": "on" + "".join(part.capitalize() for part in kind.replace(".", "_").split("_")),
                "summary": kind,
                "description": DESCRIPTIONS[kind],
                "tags": ["Webhooks"],
                "parameters": headers,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{ENVELOPES[kind].__name__}"}}
                    },
                },
                "responses": {"2XX": {"description": "Received. Anything else (or no answer within 10 s) is retried."}},
            }
        }
        for kind in EVENT_TYPES
    }


def _drop_unsent_validation_responses(spec: dict[str, Any]) -> None:
    """Powertools documents a 422 for validated routes; this API answers invalid input with a 400."""
    for operation in _operations(spec):
        operation.get("responses", {}).pop("422", None)


def reachable_schemas(spec: dict[str, Any], roots: Any) -> set[str]:
    """The names of the component schemas that ``roots`` (any part of ``spec``) refer to, at any depth."""
    schemas = spec.get("components", {}).get("schemas", {})
    prefix = "#/components/schemas/"
    reachable: set[str] = set()
    pending = [json.dumps(roots)]
    while pending:
        for ref in re.findall(r'"\$ref": "' + re.escape(prefix) + r'([^"]+)"', pending.pop()):
            if ref not in reachable and ref in schemas:
                reachable.add(ref)
                pending.append(json.dumps(schemas[ref]))
    return reachable


def _drop_unreferenced_schemas(spec: dict[str, Any]) -> None:
    """Only the schemas that an operation or webhook reaches stay: Powertools adds its own validation-error
    schemas (one referring to a schema it does not emit), which generators then warn about or reject."""
    schemas = spec.get("components", {}).get("schemas", {})
    reachable = reachable_schemas(spec, {k: v for k, v in spec.items() if k != "components"})
    for name in set(schemas) - reachable:
        del schemas[name]


def _attach_examples(spec: dict[str, Any]) -> None:
    by_id = {op.get("operationId"): op for op in _operations(spec)}
    for operation_id, examples in EXAMPLES.items():
        operation = by_id.get(operation_id)
        if operation is None:
            raise KeyError(f"examples name an operation that does not exist: {operation_id}")
        for number, example in enumerate(examples, start=1):
            name = f"example{number}"
            if example.request is not None:
                content = operation["requestBody"]["content"]["application/json"]
                content.setdefault("examples", {})[name] = {"summary": example.summary, "value": example.request}
            for status, body in example.responses.items():
                content = operation["responses"][str(status)]["content"]["application/json"]
                content.setdefault("examples", {})[name] = {"summary": example.summary, "value": body}


def render(spec: dict[str, Any]) -> str:
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generated_documents() -> dict[Path, str]:
    """What ``make openapi`` writes from the code and the template: the document, and the methods of each
    resource that a 405's ``Allow`` names (shared/api/allowed_methods.py)."""
    return {SPEC_PATH: render(build_spec()), ALLOWED_METHODS_PATH: render(load().methods_by_resource())}
