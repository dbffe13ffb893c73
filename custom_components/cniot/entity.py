"""The base entity every cniot entity derives from."""

from __future__ import annotations

from typing import Any

from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator


class CniotEntity[CoordinatorT: DataUpdateCoordinator[Any]](CoordinatorEntity[CoordinatorT]):
    """Named after its device, with a translated entity name."""

    _attr_has_entity_name = True
