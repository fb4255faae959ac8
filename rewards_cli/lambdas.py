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
from abc import ABCMeta
from collections import defaultdict
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

from rewards_cli.apigw import ACCOUNT_ID, REGION
from rewards_cli.template import Function

_instance_numbers = itertools.count(1)


class _PerThread:
    """A class attribute whose value is per thread."""

    def __init__(self) -> None:
        self._local = threading.local()

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        return getattr(self._local, "value", None)

    def __set__(self, instance: object, value: Any) -> None:
        self._local.value = value


class _PerThreadAttributes(ABCMeta):
    """Routes ``Class.attribute = value`` to a ``_PerThread`` attribute when the class has one."""

    def __setattr__(cls, name: str, value: Any) -> None:
        for klass in cls.__mro__:
            attribute = klass.__dict__.get(name)
            if isinstance(attribute, _PerThread):
                attribute.__set__(None, value)
                return
        super().__setattr__(name, value)


def _isolate_request_state() -> None:
    """Powertools keeps the request being handled on the ``BaseRouter`` class (``BaseRouter.current_event
    = ...``): one per process, which is right in Lambda, where an instance handles one request at a
    time. Here requests run on threads, so that state is made per thread; otherwise a request would read
    another's event, and with it another's tenant and Idempotency-Key."""
    if isinstance(BaseRouter.__dict__.get("current_event"), _PerThread):
        return
    for name in ("current_event", "lambda_context"):
        type.__setattr__(BaseRouter, name, _PerThread())
    BaseRouter.__class__ = _PerThreadAttributes  # type: ignore[method-assign,assignment]


_isolate_request_state()


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
