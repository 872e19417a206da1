"""Page-number pagination for list endpoints: ``?page=1&per_page=50``.

Every list answer is ``{items, total, page, per_page, links: {self, first, prev, next, last}}``
and carries the same links in an RFC 8288 ``Link`` header.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field

T = TypeVar("T")
S = TypeVar("S")

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500  # bounds one answer's size; a client pages through more


class PageLinks(BaseModel):
    self: str
    first: str
    prev: str | None = None
    next: str | None = None
    last: str


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="items over all pages")
    page: int
    per_page: int
    links: PageLinks


class PageParams(BaseModel):
    page: int
    per_page: int


def page_params(
    page: Annotated[int, Query(ge=1, description="1-based page number")] = 1,
    per_page: Annotated[
        int, Query(ge=1, le=MAX_PER_PAGE, description="items per page")
    ] = DEFAULT_PER_PAGE,
) -> PageParams:
    return PageParams(page=page, per_page=per_page)


def _url(request: Request, page: int, per_page: int) -> str:
    return str(request.url.include_query_params(page=page, per_page=per_page))


def paginate(
    items: Sequence[S],
    params: PageParams,
    request: Request,
    response: Response,
    convert: Callable[[S], T],
) -> Page[T]:
    total = len(items)
    last = max(1, -(-total // params.per_page))
    start = (params.page - 1) * params.per_page
    chosen = [convert(item) for item in items[start : start + params.per_page]]
    links = PageLinks(
        self=_url(request, params.page, params.per_page),
        first=_url(request, 1, params.per_page),
        prev=_url(request, params.page - 1, params.per_page) if params.page > 1 else None,
        next=_url(request, params.page + 1, params.per_page) if params.page < last else None,
        last=_url(request, last, params.per_page),
    )
    response.headers["Link"] = ", ".join(
        f'<{url}>; rel="{rel}"'
        for rel, url in (
            ("first", links.first),
            ("prev", links.prev),
            ("next", links.next),
            ("last", links.last),
        )
        if url is not None
    )
    response.headers["X-Total-Count"] = str(total)
    return Page[T](
        items=chosen, total=total, page=params.page, per_page=params.per_page, links=links
    )


PageDep = Annotated[PageParams, Depends(page_params)]


class Pager:
    """One list request's page choice with the request and response it answers.

    A list endpoint takes this one dependency instead of the page parameters, the request
    (for the links) and the response (for the ``Link`` and ``X-Total-Count`` headers).
    """

    def __init__(self, params: PageDep, request: Request, response: Response) -> None:
        self.params = params
        self.request = request
        self.response = response

    def page(self, items: Sequence[S], convert: Callable[[S], T]) -> Page[T]:
        """The chosen page of ``items``, each converted to its read schema."""
        return paginate(items, self.params, self.request, self.response, convert)


PagerDep = Annotated[Pager, Depends()]
