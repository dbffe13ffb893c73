"""Minutes of simulated latency in seconds: the event loop's clock jumps when idle.

With the loop's clock tied to the frozen wall clock (the ``frozen_loop`` fixture),
a driver task watches the loop: whenever nothing is ready to run, it moves the
frozen clock to the next timer (a simulated reply's latency, a coordinator's
next wake-up). Signatures, the simulator's validity check, coordinator intervals
and latencies then all follow one clock, as they would in real time, without the
wait. Loopback sockets are read in the same loop pass they were written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from datetime import UTC, datetime
import math
import time

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant

# Loop passes with nothing to run before the clock may jump: a reply written to a
# loopback socket is seen by the next pass's select.
QUIET_PASSES = 3
# Passes an executor job may hold the clock: past this, time moves anyway. A job that
# waits on the frozen clock itself would otherwise spin the loop forever (a suite run
# on 2026-12-08 spun 10 minutes at 100% CPU in this driver).
BUSY_PASSES = 200_000


class VirtualTime:
    """Drives a frozen clock from timer to timer while the loop is otherwise idle."""

    def __init__(self, hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
        self._hass = hass
        self._freezer = freezer
        self._task: asyncio.Task[None] | None = None
        self.jumps = 0

    def start(self) -> None:
        """Begin driving."""
        self._task = asyncio.get_running_loop().create_task(self._drive())

    async def stop(self) -> None:
        """Stop driving."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def until(self, done: Callable[[], bool], *, limit: float) -> float:
        """Let simulated time pass until ``done()``; the seconds it took."""
        start = time.time()
        while not done():
            if self._task is not None and self._task.done():
                self._task.result()  # the driver's own failure
                raise RuntimeError("the virtual clock stopped")
            if time.time() - start > limit:
                raise TimeoutError(f"not done after {limit} simulated seconds")
            await asyncio.sleep(1)  # a timer on the frozen clock
        return time.time() - start

    async def until_done[T](self, call: Awaitable[T], *, limit: float) -> float:
        """Await ``call`` while simulated time passes; the seconds it took."""
        start = time.time()
        async with asyncio.timeout(None) as scope:
            scope.reschedule(asyncio.get_running_loop().time() + limit)
            await call
        return time.time() - start

    def _executor_busy(self) -> bool:
        # Home Assistant tracks its executor jobs as plain futures among its tasks;
        # a thread at work (an import, a file) is not idle time.
        return any(
            not isinstance(task, asyncio.Task) and not task.done() for task in self._hass._tasks
        )

    async def _drive(self) -> None:
        loop = asyncio.get_running_loop()
        quiet = 0
        busy = 0
        while True:
            await asyncio.sleep(0)
            # Private, as in Home Assistant's own async_fire_time_changed: the ready
            # queue and the timer heap are what "idle" and "next" mean.
            if loop._ready:  # type: ignore[attr-defined]
                quiet = 0
                continue
            if not self._executor_busy():
                busy = 0
            elif busy < BUSY_PASSES:
                busy += 1
                quiet = 0
                continue
            quiet += 1
            if quiet < QUIET_PASSES:
                continue
            quiet = 0
            timers = [
                handle.when()
                for handle in loop._scheduled  # type: ignore[attr-defined]
                if not handle.cancelled()
            ]
            if not timers:
                continue
            # A timer already due that the loop has not run in three passes is nudged
            # past by a microsecond, rather than spun on.
            due = max(min(timers), time.time())
            # Whole microseconds, rounded up: the timer must be due, not nearly.
            moment = math.ceil(due * 1_000_000 + 1) / 1_000_000
            self._freezer.move_to(datetime.fromtimestamp(moment, UTC))
            self.jumps += 1
