"""GET /dashboard and its files: the operator console, a static single-page app that signs in with the
application's API key and secret and calls this same API (see README, "Dashboard")."""

from pathlib import Path
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path as PathParam
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse, OpenAPIResponseContentSchema

from shared.api.http import http_handler, new_router
from shared.api.static import StaticFiles

router = new_router()
files = StaticFiles.from_folder(Path(__file__).parent / "static")
_TEXT: OpenAPIResponseContentSchema = {"schema": {"type": "string"}}
_PAGE: dict[int, OpenAPIResponse] = {200: {"description": "The dashboard's page", "content": {"text/html": _TEXT}}}
_FILE: dict[int, OpenAPIResponse] = {
    200: {
        "description": "A file of the dashboard",
        "content": {"text/javascript": _TEXT, "text/css": _TEXT, "text/plain": _TEXT, "text/html": _TEXT},
    }
}


@router.get(
    "/dashboard",
    summary="The operator dashboard (public page; it signs in with the API key and secret)",
    description="The operator console's single page (HTML). Public: a browser loads it before signing in; "
    "the page then calls this API with HTTP Basic (API key and secret), kept only in the tab's session storage. "
    "Strict Content-Security-Policy (no inline script, frame-ancestors 'none'), Referrer-Policy no-referrer.",
    operation_id="getDashboard",
    tags=["Dashboard"],
    responses=_PAGE,
)
def get_dashboard() -> Response[Any]:
    return files.response("index.html")


@router.get(
    "/dashboard/<asset>",
    summary="A script, style sheet or licence of the dashboard (public)",
    description="One file of the dashboard (its script, style sheet, the vendored Preact + htm module and its "
    "licence), by name; only the files of the dashboard's own folder exist, anything else is a 404. Public, "
    "with the same security headers as the page.",
    operation_id="getDashboardAsset",
    tags=["Dashboard"],
    responses=_FILE,
)
def get_dashboard_asset(asset: Annotated[str, PathParam(min_length=1, max_length=64)]) -> Response[Any]:
    return files.response(asset)


lambda_handler = http_handler(router)
