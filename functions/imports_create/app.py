"""POST /imports: a member import waiting for its file; answers the URL to upload the file to."""

from aws_lambda_powertools.event_handler import Response

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.idempotency import idempotent
from shared.api.params import IdempotencyKeyHeader
from shared.api.schemas.import_jobs import ImportCreate, ImportResponse
from shared.domain import import_jobs
from shared.storage.import_files import UPLOAD_URL_SECONDS

router = new_router()


@router.post(
    "/imports",
    summary="Start a member import",
    description=(
        "Creates an import (`imp_`) and answers a presigned `upload_url`: PUT the CSV or JSON Lines file there "
        "within an hour. Its arrival starts the import, chunk by chunk on the stack's workers; follow it with "
        "GET /imports/{import_id}. Each member's balance is brought in once, however often it is imported."
    ),
    operation_id="createImport",
    tags=["Imports"],
    responses={201: {"description": "Created"}},
    middlewares=[idempotent],
)
def create_import(body: ImportCreate, idempotency_key: IdempotencyKeyHeader = None) -> Response[ImportResponse]:
    del idempotency_key  # declared for validation and the spec; the idempotency middleware uses it
    record, upload_url = import_jobs.start_upload(tenant_id(router), body.format)
    answer = ImportResponse.of(record, upload_url=upload_url, upload_expires_in=UPLOAD_URL_SECONDS)
    return Response(201, "application/json", answer)


lambda_handler = http_handler(router)
