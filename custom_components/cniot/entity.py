"""The base entity every cniot entity derives from."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Final
from weakref import WeakKeyDictionary

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .devices import for_registry

_UNSEEN: Final = object()


class CniotEntity[CoordinatorT: DataUpdateCoordinator[Any]](Entity):
    """A coordinator's entity, named after its device, with a translated entity name.

    Skips the write when the inputs its state is computed from are unchanged: a
    refresh hands every entity of a coordinator the new data, and at fleet scale
    most of them are unchanged. Sensors with a state class write on every update,
    as Home Assistant's own do: the integration, derivative and statistics helpers
    count the ``state_reported`` events an unchanged write fires.

    It does what ``CoordinatorEntity`` does (availability, ``update_entity``) but
    listens to the coordinator itself, through the public ``async_add_listener``:
    alone, or in a group whose shared inputs are checked once per refresh.
    """

    _attr_has_entity_name = True
    _attr_should_poll = False  # the coordinator tells of updates
    _inputs_seen: object = _UNSEEN

    def __init__(self, coordinator: CoordinatorT) -> None:
        self.coordinator = coordinator

    @property
    def available(self) -> bool:
        """Available while the coordinator's last refresh worked."""
        return self.coordinator.last_update_success

    async def async_update(self) -> None:
        """The ``update_entity`` action: refresh the coordinator (not for disabled ones)."""
        if not self.enabled:
            return
        await self.coordinator.async_request_refresh()

    @property
    def device_info(self) -> DeviceInfo | dr.ChildDeviceInfo | None:
        """The device, its parent linked by registry id."""
        info = self._attr_device_info
        if info is None or self.hass is None or self.coordinator.config_entry is None:
            return info
        return for_registry(dr.async_get(self.hass), self.coordinator.config_entry.entry_id, info)

    def _state_inputs(self) -> object:
        """Everything this entity's state is computed from, or None if not known.

        Equal inputs mean an equal state, so an update whose inputs equal the last
        ones is skipped without computing the state at all. Subclasses return e.g.
        ``(self.coordinator.last_update_success, self.device)``.
        """
        return None

    def _inputs_group(self) -> Hashable | None:
        """A key shared by the entities whose ``_state_inputs`` are always the same.

        Such entities (those of one device, say) hear of an update through one
        listener that checks their common inputs once, not each on its own.
        """
        return None

    def _reports_every_update(self) -> bool:
        """Whether every update is written, changed or not (measurements and totals)."""
        return getattr(self, "state_class", None) is not None

    async def async_added_to_hass(self) -> None:
        """Listen to the coordinator, alone or with the entities sharing its inputs."""
        await super().async_added_to_hass()
        group = self._inputs_group()
        if group is None or self._reports_every_update():
            self.async_on_remove(
                self.coordinator.async_add_listener(self._handle_coordinator_update)
            )
        else:
            self.async_on_remove(_dispatcher(self.coordinator).add(group, self))
        # Home Assistant writes the first state right after this, from these inputs.
        inputs = self._state_inputs()
        self._inputs_seen = inputs if inputs is not None else _UNSEEN

    @callback
    def _handle_coordinator_update(self) -> None:
        if not self._reports_every_update():
            inputs = self._state_inputs()
            if inputs is not None and inputs == self._inputs_seen:
                return
            self._inputs_seen = inputs if inputs is not None else _UNSEEN
        self.async_write_ha_state()


class _Group:
    """Entities with the same inputs, and the inputs they were last handed."""

    __slots__ = ("members", "seen")

    def __init__(self) -> None:
        self.members: list[CniotEntity[Any]] = []
        self.seen: object = _UNSEEN


class _Dispatcher:
    """One coordinator listener for all grouped entities of that coordinator."""

    def __init__(self, coordinator: DataUpdateCoordinator[Any]) -> None:
        self._coordinator = coordinator
        self._groups: dict[Hashable, _Group] = {}
        self._unsubscribe: CALLBACK_TYPE | None = None

    def add(self, key: Hashable, entity: CniotEntity[Any]) -> Callable[[], None]:
        """Hand ``entity`` its updates as a member of group ``key``; returns the undo."""
        group = self._groups.setdefault(key, _Group())
        # Home Assistant writes the entity's first state right after this, from the
        # data it has now: the group has then seen these inputs.
        inputs = entity._state_inputs()  # noqa: SLF001
        if not group.members:
            group.seen = inputs if inputs is not None else _UNSEEN
        elif inputs != group.seen:
            group.seen = _UNSEEN
        group.members.append(entity)
        if self._unsubscribe is None:
            self._unsubscribe = self._coordinator.async_add_listener(self._async_update)

        @callback
        def remove() -> None:
            group.members.remove(entity)
            if not group.members:
                del self._groups[key]
            if not self._groups and self._unsubscribe is not None:
                self._unsubscribe()
                self._unsubscribe = None

        return remove

    @callback
    def _async_update(self) -> None:
        for group in list(self._groups.values()):
            inputs = group.members[0]._state_inputs()  # noqa: SLF001
            if inputs is not None and inputs == group.seen:
                continue
            for entity in list(group.members):
                entity._handle_coordinator_update()  # noqa: SLF001
            group.seen = inputs if inputs is not None else _UNSEEN


_DISPATCHERS: WeakKeyDictionary[DataUpdateCoordinator[Any], _Dispatcher] = WeakKeyDictionary()


def _dispatcher(coordinator: DataUpdateCoordinator[Any]) -> _Dispatcher:
    dispatcher = _DISPATCHERS.get(coordinator)
    if dispatcher is None:
        dispatcher = _DISPATCHERS[coordinator] = _Dispatcher(coordinator)
    return dispatcher


def async_listen_grouped(
    coordinator: DataUpdateCoordinator[Any], key: Hashable, entity: CniotEntity[Any]
) -> Callable[[], None]:
    """Hand ``entity`` updates of another coordinator too, checked once per group.

    For entities fed by two coordinators: every member of ``key`` must compute the
    same ``_state_inputs``. Returns the undo.
    """
    return _dispatcher(coordinator).add(key, entity)
