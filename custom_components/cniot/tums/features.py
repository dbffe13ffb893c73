"""The split of TUMS calls (see ../features.py).

Core, without which there is nothing to show: the device list of the application's
type (tums/coordinator.py, TumsDeviceCoordinator). Every other read is a feature:
absent, refused or unreadable, it costs only its own entities. Writes and actions
(rename, reboot, upgrade, settings, streams, push) report their errors to the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ..features import Feature, Reason
from .paths import (
    PATH_CHECK_FIRMWARE,
    PATH_DEVICE_PASSENGER_FLOW,
    PATH_GET_RECORD_LOOP,
    PATH_GET_SOLAR_SUPPLY,
    PATH_GET_TIME_SYNC,
    PATH_GET_TIMING_REBOOT,
    PATH_OVERVIEW,
    PATH_PASSENGER_FLOW_DEVICES,
    PATH_PTZ_RESET_SUPPORT,
    PATH_SD_CARDS,
    PATH_SOLAR_METRICS,
    PATH_SOLAR_POWER,
    PATH_UPGRADE_INFO,
)

# Feature name -> the reads it makes; the entities of each name the feature's
# ``feature`` field in descriptions.py (or the tier's name) says.
TUMS_FEATURES: Final = (
    Feature("overview", (PATH_OVERVIEW,)),  # the account's per-class counts
    Feature("firmware_check", (PATH_CHECK_FIRMWARE,)),  # asks devices for news
    Feature("firmware", (PATH_UPGRADE_INFO,)),  # update entities
    Feature("solar", (PATH_SOLAR_POWER,)),  # solar sensors
    Feature("solar_energy", (PATH_SOLAR_METRICS,)),  # energy today
    Feature("solar_loads", (PATH_GET_SOLAR_SUPPLY,)),  # per-load restart buttons
    Feature("flow", (PATH_PASSENGER_FLOW_DEVICES, PATH_DEVICE_PASSENGER_FLOW)),  # people counts
    Feature("storage", (PATH_SD_CARDS,)),
    Feature("record_loop", (PATH_GET_RECORD_LOOP,)),
    Feature("time_sync", (PATH_GET_TIME_SYNC,)),
    Feature("timing_reboot", (PATH_GET_TIMING_REBOOT,)),
    Feature("ptz_reset", (PATH_PTZ_RESET_SUPPORT,)),
)
# Codes that refuse an API to the whole application, not one device (section 1.5).
# -10305 is "usually: this Access key has no permission for this API" (1.5); only the
# device list's -10305 asks for new credentials.
FEATURE_CODES: Final[Mapping[int, Reason]] = {
    -10305: Reason.FORBIDDEN,
    -20001: Reason.FORBIDDEN,  # insufficient permission
    -82401: Reason.FORBIDDEN,  # permission denied
    -88311: Reason.FORBIDDEN,  # not a device-type application
    -88312: Reason.FORBIDDEN,  # not a project-type application
}
# Which feature each of the settings tier's reads belongs to.
SETTING_FEATURES: Final = {
    "sd_cards": "storage",
    "record_loop": "record_loop",
    "time_sync": "time_sync",
    "timing_reboot": "timing_reboot",
    "ptz_reset": "ptz_reset",
}
