"""The one error body (SPEC §2) and the mapping of every failure to it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from shared.errors import DomainError, InternalError, NotFound, ServiceUnavailable, ValidationFailed
from shared.observability import logger

if TYPE_CHECKING:
    from shared.api.schemas.common import ErrorKey

_MAX_REPORTED_ERRORS = 5


@dataclass(frozen=True, slots=True)
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
    "shared.errors.PayloadTooLarge": ErrorAnswer(413, "bad_request"),
    "shared.errors.Unauthorized": ErrorAnswer(401, "unauthorized"),
    "shared.errors.NotFound": ErrorAnswer(404, "not_found"),
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


def _render(app: APIGatewayRestResolver, error: DomainError) -> Response[Any]:
    request_id = app.current_event.request_context.request_id or ""
    answer = ERROR_TABLE[answering_kind(type(error))]
    retry_after = answer.retry_after_seconds
    return Response(
        status_code=answer.status,
        content_type=content_types.APPLICATION_JSON,
        body=error_body(answer.status, answer.key, error.message, error.details, request_id),
        headers={"Retry-After": str(retry_after)} if retry_after is not None else None,
    )


def describe_validation_errors(errors: Sequence[Any]) -> str:
    """``details`` naming each offending field, seed 004 style: ``selling_price is required``."""
    described = [_describe(error) for error in errors[:_MAX_REPORTED_ERRORS]]
    return "; ".join(dict.fromkeys(described))


def _describe(error: dict[str, Any]) -> str:
    location = [str(part) for part in error.get("loc", ())]
    source = location[0] if location else "body"
    path = ".".join(location[1:]) or ("body" if source == "body" else source)
    if source in ("query", "header") and len(location) > 1:
        path = location[1]
    kind = error.get("type", "")
    if kind == "missing":
        return f"{path} is required"
    if kind == "extra_forbidden":
        return f"{path} is not a known field"
    if kind == "json_invalid":
        return "body is not valid JSON"
    message = str(error.get("msg", "is invalid"))
    return f"{path}: {message[:1].lower()}{message[1:]}"


def register_error_handlers(app: APIGatewayRestResolver) -> None:
    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response[Any]:
        return _render(app, ValidationFailed(describe_validation_errors(error.errors())))

    @app.exception_handler(DomainError)
    def _domain_error(error: DomainError) -> Response[Any]:
        if isinstance(error, ServiceUnavailable):
            logger.warning("store unavailable after retries", exc_info=error.__cause__)
        return _render(app, error)

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response[Any]:
        logger.exception("unhandled error")
        return _render(app, InternalError())

    @app.not_found
    def _no_route(_: Exception) -> Response[Any]:
        event = app.current_event
        return _render(app, NotFound(f"No route for {event.http_method} {event.path}"))
