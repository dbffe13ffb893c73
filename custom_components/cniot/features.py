"""Optional features: a call that is absent, refused or unreadable costs only its own entities.

The core of an entry is authentication, the device list and the devices' main state;
each vendor names everything else as a :class:`Feature` next to the code that calls it.
A feature call that fails *permanently* (HTTP 404/405/501, 403, a vendor code for "no
permission", "not supported" or "wrong application type", a reply whose shape cannot
be read) marks the feature unavailable: one INFO line, a repair issue where the user
can fix it, and no new try for six hours (or until the entry reloads). A *transient*
failure (time-out, 5xx, dropped connection) is either raised, for tiers that report
their own health, or absorbed with one warning down and one line up. Failures of polls
count once the next core refresh works, so a service that is down altogether is one
outage, not a feature each. A command (write feature) is recorded the same way, but
every command is still sent: each is the user's own retry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
import time
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .client.errors import (
    CniotAuthenticationError,
    CniotConnectionError,
    CniotError,
    CniotInvalidResponseError,
    CniotRateLimitedError,
    CniotVendorError,
)
from .const import DOMAIN, LOGGER

RETRY_INTERVAL: Final = timedelta(hours=6)
ABSENT_STATUSES: Final = frozenset({404, 405, 501})
FORBIDDEN_STATUS: Final = 403
ISSUE_FORBIDDEN: Final = "feature_forbidden"


class Reason(StrEnum):
    """Why a feature is unavailable."""

    ABSENT = "absent"  # the endpoint does not exist here
    FORBIDDEN = "forbidden"  # the account, plan or application may not use it
    UNREADABLE = "unreadable"  # it answers, but not in the documented shape


@dataclass(frozen=True, slots=True)
class Feature:
    """One optional part of a vendor's API and what it feeds."""

    name: str
    paths: tuple[str, ...]
    # Whether a refusal is the user's to fix (a permission, a plan, a console switch).
    fixable: bool = True
    # Refusal codes whose repair issue the vendor raises itself (a more specific one).
    own_issue_codes: frozenset[int] = frozenset()


def permanent_reason(err: CniotError, codes: Mapping[int, Reason]) -> Reason | None:
    """Why ``err`` makes a feature unavailable for now, or None if trying soon may work.

    A vendor code listed in ``codes`` wins, even a credential code: the core calls
    just worked with the same credentials, so it refuses this API only.
    """
    code = getattr(err, "code", None)
    if isinstance(code, int) and code in codes:
        return codes[code]
    if isinstance(err, CniotRateLimitedError):
        return None
    status = getattr(err, "status", None)
    if status in ABSENT_STATUSES:
        return Reason.ABSENT
    if status == FORBIDDEN_STATUS:
        return Reason.FORBIDDEN
    if isinstance(err, CniotInvalidResponseError) and (status is None or 200 <= status < 300):
        # Read twice already (retry_once): the reply's shape is not one we can use.
        return Reason.UNREADABLE
    return None


def _is_core_error(err: CniotError) -> bool:
    """Errors that speak for the whole entry even on a feature call."""
    if isinstance(err, CniotRateLimitedError):
        return True
    return isinstance(err, CniotAuthenticationError) and getattr(err, "status", None) is None


def _monotonic() -> float:
    # Looked up at call time, so a clock frozen after construction applies.
    return time.monotonic()


@dataclass(slots=True)
class _Unavailable:
    reason: Reason
    error: str
    retry_at: float


class FeatureTracker:
    """The optional features of one config entry and which are unavailable now."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        vendor: str,
        features: Iterable[Feature],
        codes: Mapping[int, Reason],
        *,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.vendor = vendor
        self.features = {feature.name: feature for feature in features}
        self.codes = codes
        self.clock: Callable[[], float] = clock or _monotonic
        self._unavailable: dict[str, _Unavailable] = {}
        self._down: set[str] = set()  # failing transiently, absorbed
        # Failures since the last core refresh, until it is known to work: when the
        # whole service misbehaves, that is the core's to say, not each feature's.
        # A reason means permanent; None transient.
        self._pending: dict[str, tuple[CniotError, Reason | None]] = {}
        self._issues: set[str] = set()
        self._listeners: list[Callable[[], None]] = []
        self._notify_pending = False

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` soon after a feature turns unavailable or available again.

        Entities showing a feature must hear of it even when no data changed (a tier
        keeps the last values of devices it did not read). Returns the undo.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _changed(self) -> None:
        # Soon, not now: the refresh that noticed has not published its data yet.
        if self._listeners and not self._notify_pending:
            self._notify_pending = True
            self.hass.loop.call_soon(self._notify)

    def _notify(self) -> None:
        self._notify_pending = False
        for listener in list(self._listeners):
            listener()

    def due(self, name: str) -> bool:
        """Whether the feature's calls should be made now."""
        pending = self._pending.get(name)
        if pending is not None and pending[1] is not None:
            return False  # refused already; the next core refresh decides
        mark = self._unavailable.get(name)
        return mark is None or self.clock() >= mark.retry_at

    def available(self, name: str) -> bool:
        """Whether the feature's entities have current data to show."""
        return (
            name not in self._unavailable and name not in self._down and name not in self._pending
        )

    @property
    def unavailable(self) -> frozenset[str]:
        """The features without current data now (refused, absent, unreadable or down)."""
        return frozenset(self._unavailable) | frozenset(self._down)

    def reason(self, name: str) -> Reason | None:
        """Why the feature is unavailable, if it is."""
        mark = self._unavailable.get(name)
        return mark.reason if mark is not None else None

    def succeeded(self, name: str) -> None:
        """A call of the feature worked: it is available (again)."""
        self._pending.pop(name, None)
        if self._unavailable.pop(name, None) is not None:
            LOGGER.info("%s: %s is available again", self.entry.title, name)
            self._changed()
        if name in self._down:
            self._down.discard(name)
            LOGGER.info("%s: %s recovered", self.entry.title, name)
            self._changed()
        self._delete_issue(name)

    def failed(self, name: str, err: CniotError, *, provisional: bool = False) -> bool:
        """Record a failed call; True if it makes the feature unavailable (permanent).

        ``provisional``: it counts once the next core refresh works (:meth:`settle`).
        """
        reason = permanent_reason(err, self.codes)
        if reason is None:
            return False
        if provisional:
            self._pending[name] = (err, reason)
            return True
        self._mark(name, err, reason)
        return True

    def _mark(self, name: str, err: CniotError, reason: Reason) -> None:
        self._down.discard(name)
        first = name not in self._unavailable
        self._unavailable[name] = _Unavailable(
            reason, str(err)[:200], self.clock() + RETRY_INTERVAL.total_seconds()
        )
        if first:
            self._changed()
            LOGGER.info(
                "%s: %s is unavailable (%s: %s); retried every %d hours and on reload",
                self.entry.title,
                name,
                reason,
                err,
                RETRY_INTERVAL.total_seconds() // 3600,
            )
            feature = self.features.get(name)
            if (
                reason is Reason.FORBIDDEN
                and feature is not None
                and feature.fixable
                and getattr(err, "code", None) not in feature.own_issue_codes
            ):
                self._create_issue(name, str(err)[:200])

    def down(self, name: str, err: CniotError) -> None:
        """A transient failure that is absorbed: one warning until it recovers.

        It counts once the refresh's core calls worked (:meth:`settle`): when the
        whole service is down, the core's failure is the one line logged.
        """
        if name not in self._down and name not in self._pending:
            self._pending[name] = (err, None)

    def settle(self, core_ok: bool = True) -> None:
        """A core refresh ended: the failures since count only if it worked."""
        pending, self._pending = self._pending, {}
        if not core_ok:
            if pending:
                self._changed()
            return
        for name, (err, reason) in pending.items():
            if reason is not None:
                self._mark(name, err, reason)
            elif name not in self._down:
                self._down.add(name)
                self._changed()
                LOGGER.warning("%s: %s failed: %s", self.entry.title, name, err)

    async def async_call[T](
        self, name: str, call: Callable[[], Awaitable[T]], *, absorb: bool = False
    ) -> T | None:
        """Run one feature call of a poll; None when it is not due or failed permanently.

        Core errors (refused credentials, rate limits) are raised. Transient failures
        are raised too, unless ``absorb``: then the feature is down, and None. Either
        counts once the core refresh works (:meth:`settle`).
        """
        if not self.due(name):
            return None
        try:
            result = await call()
        except CniotError as err:
            if self.failed(name, err, provisional=True):
                return None
            if (
                absorb
                and not _is_core_error(err)
                and isinstance(
                    err, CniotConnectionError | CniotInvalidResponseError | CniotVendorError
                )
            ):
                self.down(name, err)
                return None
            raise
        self.succeeded(name)
        return result

    def diagnostics(self) -> dict[str, Any]:
        """The features found unavailable, with reason and error."""
        now = self.clock()
        return {
            name: {
                "reason": str(mark.reason),
                "error": mark.error,
                "retry_in": max(0, round(mark.retry_at - now)),
            }
            for name, mark in sorted(self._unavailable.items())
        } | {name: {"reason": "down"} for name in sorted(self._down)}

    def async_unload(self) -> None:
        """Drop this entry's feature issues; a reload asks again."""
        for name in list(self._issues):
            self._delete_issue(name)

    def issue_id(self, name: str) -> str:
        """The repair issue of one refused feature."""
        return f"{ISSUE_FORBIDDEN}_{self.entry.entry_id}_{name}"

    def _create_issue(self, name: str, error: str) -> None:
        self._issues.add(name)
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self.issue_id(name),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=f"{ISSUE_FORBIDDEN}_{self.vendor}",
            translation_placeholders={"name": self.entry.title, "feature": name, "error": error},
        )

    def _delete_issue(self, name: str) -> None:
        if name in self._issues:
            self._issues.discard(name)
            ir.async_delete_issue(self.hass, DOMAIN, self.issue_id(name))
