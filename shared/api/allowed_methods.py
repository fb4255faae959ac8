"""Each resource's methods, named by the ``Allow`` header of a 405: generated from template.yaml by
``make openapi`` into allowed_methods.json beside this module (a Lambda has no template to read), and
read on the first method a resource lacks, never on a served request."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

ALLOWED_METHODS_PATH = Path(__file__).with_name("allowed_methods.json")


@cache
def _methods_by_resource() -> dict[str, list[str]]:
    methods: dict[str, list[str]] = json.loads(ALLOWED_METHODS_PATH.read_text())
    return methods


def allowed_methods(resource: str) -> list[str]:
    """The methods of ``resource`` (its path template, ``/customers/{source_id}``); none: no such resource."""
    return _methods_by_resource().get(resource, [])
