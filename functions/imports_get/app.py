"""GET /imports/{import_id}: an import's progress, counts and the report of its rejected rows."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.params import ImportIdPath, PageCursor
from shared.api.schemas.import_jobs import REJECTED_SHOWN, ImportResponse
from shared.domain import import_jobs

router = new_router()


@router.get(
    "/imports/<import_id>",
    summary="Follow a member import",
    description=(
        "Status (pending until the file is read through, then processing, then completed), rows done, members "
        "created, updated and unchanged, and the rejected rows in line order with the reason naming the field, "
        f"{REJECTED_SHOWN} at a time: `rejected_cursor` gives the next ones as `?cursor=`."
    ),
    operation_id="getImport",
    tags=["Imports"],
)
def get_import(import_id: ImportIdPath, cursor: PageCursor = None) -> ImportResponse:
    app_id = tenant_id(router)
    record = import_jobs.get_import(app_id, import_id)
    rejected, next_cursor = import_jobs.rejected_rows(app_id, import_id, REJECTED_SHOWN, cursor)
    return ImportResponse.of(record, rejected=rejected, rejected_cursor=next_cursor)


lambda_handler = http_handler(router)
