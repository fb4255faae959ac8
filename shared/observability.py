"""Powertools Logger, Metrics and (opt-in) Tracer: one instance each per process, configured from the
environment (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_LOG_LEVEL).

The Tracer is opt-in (``POWERTOOLS_TRACER_ENABLED``, template parameter ``PowertoolsTracer``): creating
it imports the X-Ray SDK, measured at ~100 ms of every cold start, for DynamoDB subsegments. Lambda's
own active tracing (the invocation's segments) is on either way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from shared import snapstart
from shared.settings import get_settings

# Every function imports this module: its settings are validated here, at cold start, so a function
# with an incomplete environment fails its init with a message naming the variable; and under SnapStart
# the restore hook is registered here.
get_settings()
snapstart.register_hooks()

logger = Logger()
metrics = Metrics()


def traced[Handler: Callable[..., Any]](handler: Handler) -> Handler:
    """``handler`` under Powertools Tracer when it is enabled, else unchanged."""
    if not get_settings().powertools_tracer_enabled:
        return handler
    from aws_lambda_powertools import Tracer

    return cast(Handler, Tracer().capture_lambda_handler(handler, capture_response=False))


__all__ = ["MetricUnit", "logger", "metrics", "traced"]
