"""Concurrent requests for the vendor clients: paged lists and independent calls."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
import math
from typing import Any, overload

from .errors import CniotInvalidResponseError


@overload
async def gather_or_raise[A, B](first: Awaitable[A], second: Awaitable[B], /) -> tuple[A, B]: ...


@overload
async def gather_or_raise[T](*calls: Awaitable[T]) -> tuple[T, ...]: ...


async def gather_or_raise(*calls: Awaitable[Any]) -> tuple[Any, ...]:
    """Run calls concurrently; once all have ended, raise the first failure in call order.

    Unlike a bare ``asyncio.gather`` no call is left running after a failure, and
    which error the caller sees does not depend on timing.
    """
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return tuple(results)


async def fetch_pages[P](
    fetch: Callable[[int], Awaitable[P]],
    measure: Callable[[P], tuple[int, int | None]],
    *,
    page_size: int,
    expected_pages: int = 1,
    what: str = "list",
    check: Callable[[list[P]], None] | None = None,
) -> list[P]:
    """Every page of an offset-paged list, pages numbered from 0.

    ``measure`` gives a page's (items on it, total the server reports, or None
    if it reports none). The first ``expected_pages`` (the count the previous
    refresh needed) are requested at once; when those do not reach the end, the
    reported total says how many more to request, again at once. Without a total
    only a short page ends the list, and pages are asked for one at a time. The
    client's transport limits how many are in flight. ``check`` sees the pages
    after each round and may refuse them (a server repeating a page, say).

    A short page ends the list even if the total promised more, so a device deleted
    while paging cannot make us loop; an empty page before the total is reached is
    an error, since partial data would look like vanished devices. Pages fetched
    past the end (the list shrank since the previous refresh) are dropped.
    """
    pages: list[P] = []
    wanted = max(1, expected_pages)
    while True:
        pages += await gather_or_raise(*(fetch(number) for number in range(len(pages), wanted)))
        seen = 0
        total: int | None = None
        for index, page in enumerate(pages):
            length, total = measure(page)
            seen += length
            if total is not None and length == 0 and seen < total:
                raise CniotInvalidResponseError(f"{what} returned an empty page early")
            if length < page_size or (total is not None and seen >= total):
                if check is not None:
                    check(pages[: index + 1])
                return pages[: index + 1]
        if check is not None:
            check(pages)
        wanted = len(pages) + 1
        if total is not None:
            wanted = max(wanted, math.ceil(total / page_size))


# Requests made while this is set (a tier's sweep) go after every other waiting
# request of the same client: the device list and the user's actions never queue
# behind a sweep.
BACKGROUND: ContextVar[bool] = ContextVar("cniot_background_requests", default=False)


@contextmanager
def background_requests() -> Iterator[None]:
    """Mark the requests made in this context (and tasks it starts) as background."""
    token = BACKGROUND.set(True)
    try:
        yield
    finally:
        BACKGROUND.reset(token)


class Limiter:
    """At most ``limit`` requests of one client in flight; None means no limit.

    A freed slot goes to the longest-waiting foreground request, and to a
    background one only when no foreground request waits.
    """

    def __init__(self, limit: int | None) -> None:
        if limit is not None and limit < 1:
            raise ValueError("the limit must be at least 1")
        self.limit = limit
        self._free = limit or 0
        self._waiting: tuple[deque[asyncio.Future[None]], deque[asyncio.Future[None]]] = (
            deque(),
            deque(),
        )

    @property
    def waiting(self) -> int:
        """Requests waiting for a slot."""
        return sum(len(lane) for lane in self._waiting)

    async def __aenter__(self) -> None:
        if self.limit is None:
            return
        foreground, background = self._waiting
        lane = background if BACKGROUND.get() else foreground
        if self._free > 0 and not foreground and not lane:
            self._free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        lane.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release()  # handed a slot just as it was cancelled: pass it on
            elif waiter in lane:
                lane.remove(waiter)
            raise

    async def __aexit__(self, *exc: Any) -> None:
        if self.limit is not None:
            self._release()

    def _release(self) -> None:
        for lane in self._waiting:
            while lane:
                waiter = lane.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self._free += 1
