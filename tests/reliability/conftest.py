"""The fault tables look at every entity, those disabled by default included."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def all_entities_enabled(entity_registry_enabled_by_default: None) -> None:
    """Entities disabled by default are created enabled, so every one is exercised."""
