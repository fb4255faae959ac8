"""Runs the template's functions in process, the way Lambda does: each concurrent invocation gets an
instance of its own (a separately loaded copy of the handler module), and an instance serves one
invocation at a time. The Powertools resolver keeps the current event on the module's app object, so
sharing one module between threads would mix requests up."""

from __future__ import annotations

import importlib.util
import itertools
import sys
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from rewards_cli.apigw import ACCOUNT_ID, REGION
from rewards_cli.template import Function

_instance_numbers = itertools.count(1)


@dataclass
class LocalContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    function_name: str
    timeout_seconds: float = 10.0
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class FunctionPool:
    """Warm instances per function, created on demand like Lambda's concurrency scaling."""

    def __init__(self) -> None:
        self._idle: dict[str, list[ModuleType]] = defaultdict(list)
        self._lock = threading.Lock()

    def _load(self, function: Function) -> ModuleType:
        name = f"lambda_{function.logical_id}_{next(_instance_numbers)}"
        spec = importlib.util.spec_from_file_location(name, function.module_path)
        assert spec is not None, function.module_path
        assert spec.loader is not None, function.module_path
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # as an import would: pydantic resolves generics through it
        spec.loader.exec_module(module)
        return module

    def invoke(self, function: Function, event: dict[str, Any]) -> Any:
        with self._lock:
            idle = self._idle[function.logical_id]
            module = idle.pop() if idle else None
        if module is None:
            module = self._load(function)
        try:
            handler = getattr(module, function.handler_name)
            return handler(event, LocalContext(function.logical_id))
        finally:
            with self._lock:
                self._idle[function.logical_id].append(module)
