"""GET /exports/{export_id}: an export's status and counts, and a short-lived download link once done."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import ExportIdPath
from shared.api.schemas.exports import ExportResponse
from shared.domain import exports

router = new_router()


@router.get(
    "/exports/<export_id>",
    summary="Get an export",
    description=(
        "The export's status (queued, running, succeeded, failed), rows and size; once succeeded, a download "
        "link signed for 15 minutes (each read signs a new one). Exports are deleted after 7 days."
    ),
    operation_id="getExport",
    tags=["Exports"],
)
def get_export(export_id: ExportIdPath) -> ExportResponse:
    return ExportResponse.from_view(exports.get_export(tenant_id(router), export_id))


lambda_handler = http_handler(router)
