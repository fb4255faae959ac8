"""The answer of the routes that create or update a customer (PUT /customers/{source_id}, POST /customers)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response, content_types

from shared.api.schemas.customers import CustomerResponse
from shared.domain.customers import UpsertResult
from shared.observability import MetricUnit, metrics


def upserted(result: UpsertResult) -> Response[CustomerResponse]:
    """201 with the profile when created (counted as a metric), 200 when updated."""
    if result.created:
        metrics.add_metric(name="CustomerCreated", unit=MetricUnit.Count, value=1)
    return Response(
        status_code=201 if result.created else 200,
        content_type=content_types.APPLICATION_JSON,
        body=CustomerResponse.from_record(result.customer),
    )
