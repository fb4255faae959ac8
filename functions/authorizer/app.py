"""API Gateway REQUEST authorizer: HTTP Basic (API key : secret key) to an application id.

Allowed callers get a policy for every route of the API (API Gateway caches it by the Authorization
header and reuses it on other paths), the app id and API key in the context (the key names the
credential in the audit log), and their API key as the
``usageIdentifierKey``: the usage plan of that key throttles them (per-application rate limits).
Every failure is a Deny, which the gateway answers with the one 401 body (GatewayResponses in template.yaml).
"""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerRequestEvent,
    APIGatewayAuthorizerResponse,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.api.context import AUTHORIZER_API_KEY, AUTHORIZER_APP_ID
from shared.domain.applications import authenticate
from shared.observability import logger, traced

_ANONYMOUS = "anonymous"


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId", clear_state=True)
@traced
@event_source(data_class=APIGatewayAuthorizerRequestEvent)
def lambda_handler(event: APIGatewayAuthorizerRequestEvent, context: LambdaContext) -> dict[str, Any]:
    arn = event.parsed_arn
    caller = authenticate(event.headers.get("Authorization"))
    policy = APIGatewayAuthorizerResponse(
        principal_id=caller.app_id if caller else _ANONYMOUS,
        context={AUTHORIZER_APP_ID: caller.app_id, AUTHORIZER_API_KEY: caller.api_key} if caller else None,
        region=arn.region,
        aws_account_id=arn.aws_account_id,
        api_id=arn.api_id,
        stage=arn.stage,
        usage_identifier_key=caller.api_key if caller else None,
    )
    if caller is None:
        logger.info("authentication failed")
        policy.deny_all_routes()
    else:
        logger.append_keys(app_id=caller.app_id)
        logger.info("authenticated")
        policy.allow_all_routes()
    return policy.asdict()
