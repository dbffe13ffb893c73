"""Entities fed by pushed messages: a device's event entity and a camera's motion sensor."""

from __future__ import annotations

from datetime import datetime

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntity
from homeassistant.components.event import EventEntity
from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.event import async_call_later

from .entity import TumsDeviceEntity
from .interface import TumsEntityRuntime
from .push import DETECTION_TYPES, PushMessage, event_type
from .webhook import push_signal

PUSH_EVENT_KEY = "push_event"
PUSH_DETECTION_KEY = "push_detection"

ATTR_MESSAGE_TYPE = "message_type"
ATTR_MESSAGE_ID = "message_id"
ATTR_IMAGE_ID = "image_id"
ATTR_DETECTION = "detection"


class TumsPushEntity(TumsDeviceEntity):
    """An entity that hears its device's pushed messages."""

    async def async_added_to_hass(self) -> None:
        """Listen for this device's messages."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                push_signal(self.runtime.entry.entry_id, self.key),
                self._async_pushed,
            )
        )

    @callback
    def _async_pushed(self, content_type: str, message: PushMessage) -> None:
        """Handle one msgContentType of a message about this device."""
        raise NotImplementedError


class TumsPushEvent(TumsPushEntity, EventEntity):
    """Every pushed message about the device, typed by its msgContentType."""

    _attr_translation_key = "tums_push"

    def __init__(
        self, runtime: TumsEntityRuntime, key: str, event_types: list[str], *, unique_id: str
    ) -> None:
        super().__init__(runtime, key, unique_id)
        self._attr_event_types = event_types

    @callback
    def _async_pushed(self, content_type: str, message: PushMessage) -> None:
        kind = event_type(content_type)
        # A type the document does not list for this device still reaches the bus.
        if kind not in self.event_types:
            return
        self._trigger_event(
            kind,
            {
                ATTR_MESSAGE_TYPE: message.msg_type,
                ATTR_MESSAGE_ID: message.msg_id,
                ATTR_IMAGE_ID: message.image_id,
            },
        )
        self.async_write_ha_state()


class TumsDetectionSensor(TumsPushEntity, BinarySensorEntity):
    """On while the camera reports motion, people, vehicles, intrusions or line crossings.

    The cloud sends no end of a detection: the sensor goes off a set time after the last.
    """

    _attr_translation_key = "detection"
    _attr_device_class = BinarySensorDeviceClass.MOTION
    _attr_is_on = False

    def __init__(self, runtime: TumsEntityRuntime, key: str, *, unique_id: str) -> None:
        super().__init__(runtime, key, unique_id)
        self._cancel_reset: CALLBACK_TYPE | None = None

    async def async_added_to_hass(self) -> None:
        """Cancel a pending reset with the entity."""
        await super().async_added_to_hass()
        self.async_on_remove(self._async_cancel_reset)

    @callback
    def _async_cancel_reset(self) -> None:
        if self._cancel_reset is not None:
            self._cancel_reset()
            self._cancel_reset = None

    @callback
    def _async_pushed(self, content_type: str, message: PushMessage) -> None:
        if content_type not in DETECTION_TYPES:
            return
        self._async_cancel_reset()
        self._attr_is_on = True
        self._attr_extra_state_attributes = {ATTR_DETECTION: event_type(content_type)}
        self._cancel_reset = async_call_later(
            self.hass, self.runtime.push.reset_seconds, self._async_reset
        )
        self.async_write_ha_state()

    @callback
    def _async_reset(self, _now: datetime) -> None:
        self._cancel_reset = None
        self._attr_is_on = False
        self.async_write_ha_state()
