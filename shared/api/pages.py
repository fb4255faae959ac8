"""List answers that always fit in one Lambda response.

Lambda refuses a response over 6 MB (API Gateway then answers a 5xx), and the body travels inside that
response as an escaped JSON string: quotes and backslashes double, other non-ASCII text is ``\\uXXXX``.
A page of large items (a reward's settings may take 300 KB, its explanation more) can pass that with far
fewer than ``limit`` items, so a page also ends once its items take ``ANSWER_BUDGET`` bytes as they are
sent; ``next_cursor`` then continues after the last item shown. A page always holds at least one item,
and every single item stays well under the limit by its own input limits (tests measure both).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from pydantic import BaseModel

from shared.api.schemas.common import ListResponse

# What a page's items may take, as sent: with the list's own fields and the headers, well under 6 MB.
ANSWER_BUDGET = 4_000_000


def sent_size(model: BaseModel) -> int:
    """Bytes ``model`` takes in the Lambda response: serialised as the resolver does (compact, ASCII), then
    escaped as the string the response carries."""
    return len(json.dumps(json.dumps(model.model_dump(mode="json"), separators=(",", ":")))) - 2


def fit[X, T: BaseModel](
    limit: int, read: Callable[[int], tuple[Sequence[X], str | None]], render: Callable[[X], T]
) -> tuple[list[T], str | None]:
    """The page ``read(limit)`` gives (its items and next cursor), rendered while it fits ``ANSWER_BUDGET``.
    When it does not, the same page is read again with as many items as fit, so that its cursor follows
    the last item shown: one more read, only for pages of large items. Items past the budget are never
    rendered."""
    while True:
        found, next_cursor = read(limit)
        data: list[T] = []
        used = 0
        for item in found:
            rendered = render(item)
            used += sent_size(rendered)
            if used > ANSWER_BUDGET and data:
                break
            data.append(rendered)
        if len(data) == len(found):
            return data, next_cursor
        limit = len(data)


def fitted[X, T: BaseModel](
    answer: type[ListResponse[T]],
    limit: int,
    read: Callable[[int], tuple[Sequence[X], str | None]],
    render: Callable[[X], T],
) -> ListResponse[T]:
    """``fit`` as the ``answer`` of a list route (``ListResponse[Item]``)."""
    data, next_cursor = fit(limit, read, render)
    return answer(data=data, has_more=next_cursor is not None, next_cursor=next_cursor)
