"""API Gateway REQUEST authorizer: HTTP Basic (API key : secret key) to an application id.

Allowed callers get a policy for every route of the API (API Gateway caches it by the Authorization
header and reuses it on other paths) and the app id in the context. Every failure is a Deny, which the
gateway answers with the one 401 body (GatewayResponses in template.yaml).
"""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerRequestEvent,
    APIGatewayAuthorizerResponse,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.api.context import AUTHORIZER_APP_ID
from shared.domain.applications import authenticate
from shared.observability import logger, traced

_ANONYMOUS = "anonymous"


@logger.inject_lambda_context
@traced
@event_source(data_class=APIGatewayAuthorizerRequestEvent)
def lambda_handler(event: APIGatewayAuthorizerRequestEvent, context: LambdaContext) -> dict[str, Any]:
    arn = event.parsed_arn
    app_id = authenticate(event.headers.get("Authorization"))
    policy = APIGatewayAuthorizerResponse(
        principal_id=app_id or _ANONYMOUS,
        context={AUTHORIZER_APP_ID: app_id} if app_id else None,
        region=arn.region,
        aws_account_id=arn.aws_account_id,
        api_id=arn.api_id,
        stage=arn.stage,
    )
    if app_id is None:
        logger.info("authentication failed")
        policy.deny_all_routes()
    else:
        policy.allow_all_routes()
    return policy.asdict()
