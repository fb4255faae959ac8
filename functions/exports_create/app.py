"""POST /exports: start an export of the application's data to a file (202 with the queued job)."""

from aws_lambda_powertools.event_handler import Response, content_types

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader
from shared.api.schemas.exports import ExportIn, ExportResponse
from shared.domain import exports
from shared.domain.exports import ExportView
from shared.observability import MetricUnit, metrics

router = new_router()


@router.post(
    "/exports",
    summary="Start an export",
    description=(
        "Queues an export of one type of the application's records, created between `starts_at` and `ends_at` "
        "(both inclusive, both optional), to a CSV or JSON Lines file; `GET /exports/{export_id}` shows its "
        "progress and, once it succeeded, a download link. Erased customers appear by pseudonym only."
    ),
    operation_id="createExport",
    tags=["Exports"],
    responses={202: {"description": "Queued"}},
    middlewares=[idempotent],
)
def create_export(body: ExportIn, idempotency_key: IdempotencyKeyHeader = None) -> Response[ExportResponse]:
    del idempotency_key  # declared for validation and the spec; the idempotency middleware uses it
    job = exports.start_export(tenant_id(router), body.request())
    metrics.add_metric(name="ExportStarted", unit=MetricUnit.Count, value=1)
    return Response(202, content_types.APPLICATION_JSON, ExportResponse.from_view(ExportView(job)))


lambda_handler = http_handler(router)
