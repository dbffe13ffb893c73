"""The local RTSP source of a camera, from the user's URL template in the options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from .const import CONF_RTSP_PASSWORD, CONF_RTSP_TEMPLATE, CONF_RTSP_USERNAME
from .ids import parent_key
from .models import Device


def rtsp_url(
    options: Mapping[str, Any], devices: Mapping[str, Device], device: Device
) -> str | None:
    """The template filled in for the device (an NVR channel: at its NVR's address)."""
    template = options.get(CONF_RTSP_TEMPLATE)
    if not template:
        return None
    ip = device.ip
    parent = parent_key(device)
    if parent is not None and (nvr := devices.get(parent)):
        ip = nvr.ip
    if not ip:
        return None
    return str(template).format(
        ip=ip,
        channel=device.channel_id or 1,
        username=quote(str(options.get(CONF_RTSP_USERNAME, "")), safe=""),
        password=quote(str(options.get(CONF_RTSP_PASSWORD, "")), safe=""),
    )
