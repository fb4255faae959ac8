"""The one error body (SPEC §2) and the mapping of every failure to it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from shared.api.allowed_methods import allowed_methods
from shared.api.validation_details import describe_validation_errors
from shared.errors import DomainError, InternalError, NotFound, ServiceUnavailable, ValidationFailed
from shared.observability import logger
from shared.values import value_class

if TYPE_CHECKING:
    from shared.api.schemas.common import ErrorKey


class MethodNotAllowed(DomainError):
    """A method the path does not have; the answer's ``Allow`` header lists those it has."""

    def __init__(self, method: str, path: str, allowed: Sequence[str]) -> None:
        self.allowed = tuple(allowed)
        super().__init__("Method not allowed", f"{method} is not a method of {path}; allowed: {', '.join(allowed)}")


@value_class
class ErrorAnswer:
    """How one kind of domain error answers over HTTP."""

    status: int
    key: ErrorKey
    retry_after_seconds: int | None = None  # sent as Retry-After when set


# Every kind of DomainError to its answer. Named, not imported: a function loads only the domain it serves.
# A kind without a row answers as its nearest base with one (its MRO); DomainError's row is the catch-all
# that tests/unit/test_error_table.py proves no kind falls to, as it proves each row names a real kind.
ERROR_TABLE: dict[str, ErrorAnswer] = {
    "shared.errors.DomainError": ErrorAnswer(400, "bad_request"),
    "shared.errors.BadRequest": ErrorAnswer(400, "bad_request"),
    "shared.errors.ValidationFailed": ErrorAnswer(400, "validation_failed"),
    "shared.errors.PayloadTooLarge": ErrorAnswer(413, "payload_too_large"),
    "shared.errors.Unauthorized": ErrorAnswer(401, "unauthorized"),
    "shared.errors.NotFound": ErrorAnswer(404, "not_found"),
    "shared.api.errors.MethodNotAllowed": ErrorAnswer(405, "method_not_allowed"),
    "shared.errors.Conflict": ErrorAnswer(409, "conflict"),
    "shared.errors.ServiceUnavailable": ErrorAnswer(503, "rate_limited", retry_after_seconds=1),
    "shared.errors.InternalError": ErrorAnswer(500, "internal_error"),
    "shared.api.idempotency.RequestInProgress": ErrorAnswer(409, "conflict", retry_after_seconds=1),
    "shared.domain.coupons.CouponBusy": ErrorAnswer(409, "conflict", retry_after_seconds=1),
    # Seed 004's coupon rows (shared/domain/coupon_errors.py): each a 400.
    "shared.domain.coupon_errors.CouponValidationFailed": ErrorAnswer(400, "validation_failed"),
    "shared.domain.coupon_errors.DiscountValidationFailed": ErrorAnswer(400, "validation_failed"),
    "shared.domain.coupon_errors.InvalidCoupon": ErrorAnswer(400, "bad_request"),
    "shared.domain.coupon_errors.CouponDetailsMissing": ErrorAnswer(400, "bad_request"),
    "shared.domain.coupon_errors.InvalidQueryParam": ErrorAnswer(400, "bad_request"),
    "shared.domain.coupon_errors.CouponRedemptionNotFound": ErrorAnswer(400, "bad_request"),
    "shared.domain.coupon_errors.NotTheOrdersCode": ErrorAnswer(400, "bad_request"),
}


def kind_name(kind: type[object]) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


def answering_kind(kind: type[DomainError]) -> str:
    """The row of ERROR_TABLE that answers for ``kind``: its own, or its nearest base's."""
    return next(name for base in kind.__mro__ if (name := kind_name(base)) in ERROR_TABLE)


def error_body(status: int, key: str, message: str, details: str, request_id: str) -> dict[str, Any]:
    return {"code": status, "key": key, "message": message, "details": details, "request_id": request_id}


def error_answer(error: DomainError, request_id: str) -> tuple[int, dict[str, str], dict[str, Any]]:
    """How ``error`` answers: its status, headers and the one error body."""
    answer = ERROR_TABLE[answering_kind(type(error))]
    headers = {} if answer.retry_after_seconds is None else {"Retry-After": str(answer.retry_after_seconds)}
    if isinstance(error, MethodNotAllowed):
        headers["Allow"] = ", ".join(error.allowed)
    return answer.status, headers, error_body(answer.status, answer.key, error.message, error.details, request_id)


def _render(app: APIGatewayRestResolver, error: DomainError) -> Response[Any]:
    status, headers, body = error_answer(error, app.current_event.request_context.request_id or "")
    return Response(status, content_types.APPLICATION_JSON, body, headers=headers or None)


def _parsed_body(app: APIGatewayRestResolver, error: RequestValidationError) -> Any:
    """The body the errors' locations point into: parsed already when any error lies inside it."""
    inside = any(len(e.get("loc", ())) > 1 and e["loc"][0] == "body" for e in error.errors())
    return app.current_event.json_body if inside and error.body is None else None


def register_error_handlers(app: APIGatewayRestResolver) -> None:
    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response[Any]:
        return _render(app, ValidationFailed(describe_validation_errors(error.errors(), _parsed_body(app, error))))

    @app.exception_handler(DomainError)
    def _domain_error(error: DomainError) -> Response[Any]:
        if isinstance(error, ServiceUnavailable):
            logger.warning("store unavailable after retries", exc_info=error.__cause__)
        return _render(app, error)

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response[Any]:
        logger.exception("unhandled error")
        return _render(app, InternalError())

    # A function sees a method its resource lacks only through that resource's ANY route (template.yaml
    # "Wrong methods"); a resource no route names is the gateway's own 404 before any function runs.
    @app.not_found
    def _no_route(_: Exception) -> Response[Any]:
        event = app.current_event
        allowed = allowed_methods(event.resource)
        if allowed:
            return _render(app, MethodNotAllowed(event.http_method, event.path, allowed))
        return _render(app, NotFound(f"No route for {event.http_method} {event.path}"))
