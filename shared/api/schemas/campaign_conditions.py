"""A condition on an event's properties, as campaign rules and earning rules take it: a module of its own so
that earning rules do not load the campaigns' API models at cold start."""

from typing import Annotated, Self

from pydantic import Field, StringConstraints, model_validator

from shared.api.schemas.attributes import PropertyName
from shared.api.schemas.common import RequestModel
from shared.entities.campaigns import Operator
from shared.limits import check_value_fits_operator

MAX_CONDITION_TEXT = 200
MAX_CONDITION_VALUES = 100
ConditionScalar = Annotated[str, StringConstraints(max_length=MAX_CONDITION_TEXT)] | int | float | bool
ConditionValue = ConditionScalar | Annotated[list[ConditionScalar], Field(max_length=MAX_CONDITION_VALUES)]


class ConditionIn(RequestModel):
    property: PropertyName
    operator: Operator
    value: ConditionValue

    @model_validator(mode="after")
    def _value_fits_operator(self) -> Self:
        check_value_fits_operator(self.operator, self.value)
        return self
