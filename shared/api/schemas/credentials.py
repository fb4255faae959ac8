"""The credentials check's answer: apart from the events' models, which its route never uses."""

from typing import Literal

from shared.api.schemas.common import ResponseModel


class AuthCheck(ResponseModel):
    """``GET /events/segment/check-auth``: the credentials are valid (the gateway answered 401 otherwise)."""

    object: Literal["auth_check"] = "auth_check"
    authenticated: Literal[True] = True
    app_id: str
