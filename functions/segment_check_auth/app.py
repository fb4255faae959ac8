"""GET /events/segment/check-auth: integrations test their credentials; the authorizer already did."""

from shared.api.context import tenant_id
from shared.api.http import http_handler, new_router
from shared.api.schemas.credentials import AuthCheck

router = new_router()


@router.get(
    "/events/segment/check-auth",
    summary="Check the credentials (Rehook's Segment destination)",
    description=(
        "Answers 200 when the Basic credentials are valid; the gateway's one 401 otherwise. Integrations call"
        " it to test their credentials; it reads nothing."
    ),
    operation_id="checkSegmentAuth",
    tags=["Compatibility"],
)
def check_segment_auth() -> AuthCheck:
    return AuthCheck(app_id=tenant_id(router))


lambda_handler = http_handler(router)
