"""The pure absence count behind stale-device removal (absence.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from custom_components.cniot.absence import AbsenceCounter


@dataclass(frozen=True)
class _Data:
    listed: frozenset[str]
    absent: Mapping[str, int] = field(default_factory=dict)


def _poll(counter: AbsenceCounter[_Data], previous: _Data | None, *listed: str) -> _Data:
    data = _Data(frozenset(listed))
    return replace(data, absent=counter.count(previous, data))


def test_counts_consecutive_polls_and_forgets_at_threshold() -> None:
    """Missing twice reaches the threshold; the next poll forgets the identifier."""
    counter = AbsenceCounter[_Data](lambda data: data.listed)
    first = _poll(counter, None, "a", "b")
    assert first.absent == {}
    second = _poll(counter, first, "a")
    assert second.absent == {"b": 1}
    third = _poll(counter, second, "a")
    assert third.absent == {"b": 2}
    # Removed at the threshold: no longer watched, and the data settles.
    fourth = _poll(counter, third, "a")
    assert fourth.absent == {}
    fifth = _poll(counter, fourth, "a")
    assert fifth.absent is fourth.absent


def test_a_device_back_in_time_starts_over() -> None:
    counter = AbsenceCounter[_Data](lambda data: data.listed)
    data = _poll(counter, None, "a", "b")
    data = _poll(counter, data, "a")
    data = _poll(counter, data, "a", "b")
    assert data.absent == {}
    data = _poll(counter, data, "a")
    assert data.absent == {"b": 1}


def test_registered_identifiers_are_watched_from_the_first_poll() -> None:
    """Devices left in the registry at startup count as missing from the first list on."""
    counter = AbsenceCounter[_Data](lambda data: data.listed)
    counter.track({"a", "ghost"})
    first = _poll(counter, None, "a")
    assert first.absent == {"ghost": 1}
    second = _poll(counter, first, "a")
    assert second.absent == {"ghost": 2}


def test_unchanged_counts_keep_the_previous_object() -> None:
    """Equal counts are the same object: listeners compare data cheaply, pruning skips."""
    counter = AbsenceCounter[_Data](lambda data: data.listed)
    first = _poll(counter, None, "a")
    second = _poll(counter, first, "a")
    assert second.absent is first.absent
    assert second == first


def test_incomplete_list_counts_no_miss() -> None:
    """A list with unreadable entries: the missing stay watched, none gets nearer removal."""
    counter = AbsenceCounter[_Data](lambda data: data.listed)

    def incomplete(previous: _Data, *listed: str) -> _Data:
        data = _Data(frozenset(listed))
        return replace(data, absent=counter.count(previous, data, complete=False))

    data = _poll(counter, None, "a", "b", "c")
    data = _poll(counter, data, "a", "b")
    assert data.absent == {"c": 1}
    # "b" may be the unreadable entry: watched at 0; "c" stays at 1, however long.
    for _ in range(3):
        data = incomplete(data, "a")
        assert data.absent == {"b": 0, "c": 1}
    # Whole again: counting resumes where it was.
    data = _poll(counter, data, "a")
    assert data.absent == {"b": 1, "c": 2}
