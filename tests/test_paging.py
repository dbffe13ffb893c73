"""Concurrent requests in the clients: paged lists, independent calls, the per-client limit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.cniot.client.errors import CniotInvalidResponseError
from custom_components.cniot.client.http import JsonTransport
from custom_components.cniot.client.paging import (
    BACKGROUND,
    Limiter,
    background_requests,
    fetch_pages,
    gather_or_raise,
)
from custom_components.cniot.client.parse import ParseMemo


@dataclass
class Page:
    number: int
    length: int
    total: int


class FakeList:
    """A paged list of ``total`` items; records which pages were asked for, and how many at once."""

    def __init__(self, total: int, size: int = 10, *, reported: int | None = None) -> None:
        self.total, self.size, self.reported = total, size, reported
        self.asked: list[int] = []
        self.in_flight = self.peak = 0

    async def fetch(self, number: int) -> Page:
        self.asked.append(number)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await asyncio.sleep(0)
        self.in_flight -= 1
        length = max(0, min(self.size, self.total - number * self.size))
        total = self.total if self.reported is None else self.reported
        return Page(number, length, total)

    async def pages(self, expected: int = 1) -> list[Page]:
        return await fetch_pages(
            self.fetch,
            lambda page: (page.length, page.total),
            page_size=self.size,
            expected_pages=expected,
        )


async def test_first_page_then_the_rest_at_once() -> None:
    listing = FakeList(35)
    pages = await listing.pages()
    assert [page.number for page in pages] == [0, 1, 2, 3]
    assert listing.asked == [0, 1, 2, 3]
    assert listing.peak == 3  # pages 1-3 went out together


async def test_expected_pages_go_out_at_once() -> None:
    listing = FakeList(35)
    assert len(await listing.pages(expected=4)) == 4
    assert listing.asked == [0, 1, 2, 3]
    assert listing.peak == 4


async def test_growth_beyond_the_expected_pages() -> None:
    listing = FakeList(55)
    assert [page.number for page in await listing.pages(expected=2)] == [0, 1, 2, 3, 4, 5]
    assert sorted(listing.asked) == [0, 1, 2, 3, 4, 5]


async def test_shrink_drops_pages_past_the_end() -> None:
    """Expecting more pages than there are costs the extra requests, not wrong data."""
    listing = FakeList(15)
    pages = await listing.pages(expected=4)
    assert [page.number for page in pages] == [0, 1]
    assert listing.asked == [0, 1, 2, 3]


async def test_exact_multiple_ends_on_the_total() -> None:
    listing = FakeList(20)
    assert [page.number for page in await listing.pages()] == [0, 1]
    assert listing.asked == [0, 1]
    empty = FakeList(0)
    assert [page.length for page in await empty.pages()] == [0]


async def test_short_page_ends_even_if_the_total_promised_more() -> None:
    listing = FakeList(15, reported=500)
    assert [page.number for page in await listing.pages(expected=2)] == [0, 1]


async def test_empty_page_before_the_total_is_an_error() -> None:
    # Page 1 comes back empty while 30 items were promised.
    listing = FakeList(10, reported=30)
    with pytest.raises(CniotInvalidResponseError, match="empty page early"):
        await fetch_pages(
            listing.fetch,
            lambda page: (page.length, page.total),
            page_size=10,
            expected_pages=1,
            what="list",
        )


async def test_gather_or_raise_waits_for_all_and_raises_the_first_in_order() -> None:
    finished: list[str] = []

    async def ok(name: str, delay: int) -> str:
        for _ in range(delay):
            await asyncio.sleep(0)
        finished.append(name)
        return name

    async def fail(message: str, delay: int) -> str:
        for _ in range(delay):
            await asyncio.sleep(0)
        finished.append(message)
        raise ValueError(message)

    assert await gather_or_raise(ok("a", 2), ok("b", 0)) == ("a", "b")
    finished.clear()
    with pytest.raises(ValueError, match="first"):
        await gather_or_raise(fail("first", 3), fail("second", 0), ok("slow", 5))
    # Nothing was left running, and the error is the earlier call's, not the quicker one's.
    assert finished == ["second", "first", "slow"]


async def test_limiter() -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        Limiter(0)
    unlimited = Limiter(None)
    async with unlimited:
        pass
    assert unlimited.limit is None


async def test_limiter_serves_foreground_before_background() -> None:
    """A freed slot goes to a waiting foreground request before any background one."""
    limiter = Limiter(1)
    order: list[str] = []
    gate = asyncio.Event()

    async def request(name: str, *, background: bool) -> None:
        if background:
            with background_requests():
                async with limiter:
                    order.append(name)
                    await gate.wait()
        else:
            async with limiter:
                order.append(name)
                await gate.wait()

    tasks = [asyncio.create_task(request("sweep1", background=True))]
    await asyncio.sleep(0)
    tasks += [asyncio.create_task(request(f"sweep{n}", background=True)) for n in (2, 3)]
    await asyncio.sleep(0)
    tasks.append(asyncio.create_task(request("list", background=False)))
    await asyncio.sleep(0)
    assert limiter.waiting == 3
    gate.set()
    await asyncio.gather(*tasks)
    assert order == ["sweep1", "list", "sweep2", "sweep3"]
    assert limiter.waiting == 0
    assert not BACKGROUND.get()


async def test_limiter_cancelled_waiter_frees_its_place() -> None:
    limiter = Limiter(1)
    await limiter.__aenter__()
    waiter = asyncio.create_task(limiter.__aenter__())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert limiter.waiting == 0
    # Handed the slot just as it is cancelled: the slot is passed on, not lost.
    second = asyncio.create_task(limiter.__aenter__())
    await asyncio.sleep(0)
    await limiter.__aexit__()
    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second
    async with asyncio.timeout(1):
        async with limiter:
            pass


@pytest.fixture
async def slow_server() -> AsyncIterator[tuple[str, dict[str, int]]]:
    counts = {"in_flight": 0, "peak": 0, "served": 0}

    async def handler(request: web.Request) -> web.Response:
        counts["in_flight"] += 1
        counts["peak"] = max(counts["peak"], counts["in_flight"])
        await asyncio.sleep(0.02)
        counts["in_flight"] -= 1
        counts["served"] += 1
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/x", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", counts
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("limit", [1, 3])
async def test_transport_keeps_at_most_its_limit_in_flight(
    slow_server: tuple[str, dict[str, int]], limit: int
) -> None:
    url, counts = slow_server
    async with aiohttp.ClientSession() as session:
        transport = JsonTransport(session, url, concurrency=limit)
        assert transport.max_concurrency == limit
        replies: tuple[Any, ...] = await gather_or_raise(
            *(transport.request("GET", "/x") for _ in range(8))
        )
    assert [data for data, _headers in replies] == [{"ok": True}] * 8
    assert counts["served"] == 8
    assert counts["peak"] == limit
    assert transport.request_count == 8


def test_parse_memo_reuses_unchanged_entries() -> None:
    parsed: list[dict[str, Any]] = []

    def parse(item: Any) -> dict[str, Any]:
        parsed.append(item)
        return dict(item)

    memo = ParseMemo(parse)
    first = memo({"id": "a", "value": 1})
    assert memo({"id": "a", "value": 1}) is first
    # Equal but of another type parses apart: True == 1, yet they mean different things.
    assert memo({"id": "a", "value": True}) is not first
    assert memo({"id": "a", "value": 1.0}) is not first
    # Unhashable entries (nested lists) are parsed every time.
    nested = {"id": "b", "children": [1]}
    assert memo(nested) is not memo(nested)
    assert len(parsed) == 5
    # Entries unseen for a whole round are forgotten.
    memo.rotate()
    memo.rotate()
    assert memo({"id": "a", "value": 1}) is not first
    memo.rotate()
    kept = memo({"id": "a", "value": 1})
    memo.rotate()
    assert memo({"id": "a", "value": 1}) is kept
    assert memo("not a mapping") == {}
