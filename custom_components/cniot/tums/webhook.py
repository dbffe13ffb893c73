"""Real-time events of one TUMS application: webhook, subscription and routing.

With the "Receive real-time events" option on, the entry registers a Home
Assistant webhook and subscribes it to every message type with
``setAppMsgPushConfig``, after setting a push key of its own with
``setAppMsgPushSk`` so that each push can be verified. Polling carries on
either way; pushes only make changes visible sooner and add events.

The URL given to the cloud is a Home Assistant Cloud webhook (cloudhook) where the
user has a subscription, as core integrations do; otherwise the external URL.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
import time
from typing import Any

from aiohttp import StreamReader, web
from aiohttp.hdrs import METH_POST
from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import ATTR_DEVICE_ID, EVENT_CORE_CONFIG_UPDATE
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.storage import Store
from homeassistant.util.hass_dict import HassKey

from ..client.errors import CniotError
from ..const import DOMAIN, EVENT_CNIOT, LOGGER
from ..vendor import CniotConfigEntry
from .client import TumsClient
from .const import (
    CONF_CLOUDHOOK_URL,
    CONF_DETECTION_RESET,
    CONF_PUSH,
    CONF_PUSH_KEY,
    CONF_PUSH_URL,
    CONF_WEBHOOK_ID,
    DEFAULT_DETECTION_RESET,
    ISSUE_PUSH_NO_URL,
)
from .coordinator import TumsDeviceCoordinator
from .ids import device_identifier
from .push import (
    MAX_BODY_BYTES,
    SIGNATURE_HEADER,
    PushMessage,
    PushOutcome,
    PushReceiver,
    ReplayMemory,
    event_type,
    find_device,
    generate_push_key,
    status_change,
)

# A failed subscription is tried again this much later.
RETRY_SECONDS = 600.0

ATTR_TYPE = "type"
ATTR_MSG_TYPE = "msg_type"
ATTR_MSG_CONTENT_TYPE = "msg_content_type"
ATTR_MESSAGE = "message"

# Accepted ids are written this long after the last change: a burst is one write.
MEMORY_SAVE_DELAY = 10.0


@dataclass(slots=True)
class PushMemory:
    """An entry's accepted message ids and where they are saved; outlives reloads."""

    memory: ReplayMemory
    store: Store[dict[str, Any]]


DATA_PUSH_MEMORY: HassKey[dict[str, PushMemory]] = HassKey(f"{DOMAIN}_tums_push_memory")


def push_memory_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Where an entry keeps the ids of the pushes it accepted."""
    return Store(hass, 1, f"{DOMAIN}.tums_push_ids.{entry_id}")


async def async_push_memory(hass: HomeAssistant, entry_id: str, now: float) -> ReplayMemory:
    """The entry's replay memory: kept across reloads, loaded from storage after a restart.

    ``now`` is the cloud's clock, which the ids' expiry times are in.
    """
    memories = hass.data.setdefault(DATA_PUSH_MEMORY, {})
    if (held := memories.get(entry_id)) is not None:
        return held.memory
    store = push_memory_store(hass, entry_id)
    memory = ReplayMemory()
    stored = await store.async_load()
    if isinstance(stored, dict):
        memory.load(stored.get("ids"), now)
    memories[entry_id] = PushMemory(memory, store)
    offset = now - time.time()

    @callback
    def _save() -> None:
        store.async_delay_save(
            lambda: {"ids": memory.as_dict(time.time() + offset)}, MEMORY_SAVE_DELAY
        )

    memory.on_change = _save
    return memory


async def async_drop_push_memory(hass: HomeAssistant, entry_id: str) -> None:
    """The entry is deleted: its replay memory, held and stored, goes with it."""
    held = hass.data.get(DATA_PUSH_MEMORY, {}).pop(entry_id, None)
    # The held store's own removal also cancels a save it still has pending.
    store = held.store if held is not None else push_memory_store(hass, entry_id)
    await store.async_remove()


def push_signal(entry_id: str, key: str) -> str:
    """Dispatcher signal carrying (msgContentType, message) to one device's entities."""
    return f"{DOMAIN}_tums_push_{entry_id}_{key}"


async def read_limited(stream: StreamReader, limit: int) -> bytes:
    """At most ``limit + 1`` bytes: enough to tell that a body is too large."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = await stream.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


class TumsPush:
    """The entry's webhook and its subscription with the cloud."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: CniotConfigEntry,
        client: TumsClient,
        coordinator: TumsDeviceCoordinator,
        access_key: str,
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.client = client
        self.coordinator = coordinator
        self.access_key = access_key
        self.enabled = bool(self.entry.options.get(CONF_PUSH, False))
        self.subscribed = False
        self._receiver: PushReceiver | None = None
        self._webhook_id: str | None = None
        self._cancel_retry: CALLBACK_TYPE | None = None
        self._subscribing = False
        self._warned = False
        # Accepted messages whose device is not in the list.
        self.counters: Counter[str] = Counter()

    @property
    def reset_seconds(self) -> float:
        """How long a detection keeps a camera's motion sensor on."""
        return float(self.entry.options.get(CONF_DETECTION_RESET, DEFAULT_DETECTION_RESET))

    @property
    def _issue_id(self) -> str:
        return f"{ISSUE_PUSH_NO_URL}_{self.entry.entry_id}"

    # -- lifecycle -------------------------------------------------------------------

    async def async_start(self) -> None:
        """Register the webhook and subscribe; with push off, undo an old subscription."""
        if not self.enabled:
            if self.entry.data.get(CONF_PUSH_URL):
                # Turned off while the entry was not loaded: the cloud still pushes.
                await self._async_unsubscribe()
            return
        data = dict(self.entry.data)
        if not data.get(CONF_WEBHOOK_ID):
            data[CONF_WEBHOOK_ID] = webhook.async_generate_id()
        if not data.get(CONF_PUSH_KEY):
            data[CONF_PUSH_KEY] = generate_push_key()
        if data != self.entry.data:
            self.hass.config_entries.async_update_entry(self.entry, data=data)
        memory = await async_push_memory(
            self.hass, self.entry.entry_id, time.time() + self.client.clock_offset
        )
        self._receiver = PushReceiver(data[CONF_PUSH_KEY], memory=memory)
        self._webhook_id = data[CONF_WEBHOOK_ID]
        webhook.async_register(
            self.hass,
            DOMAIN,
            f"TUMS {self.entry.title}",
            self._webhook_id,
            self._async_handle_webhook,
            local_only=False,
            allowed_methods=(METH_POST,),
        )
        # Tied to the entry, not to async_stop: that runs only after a clean unload.
        self.entry.async_on_unload(self._async_drop_webhook)
        self.entry.async_on_unload(
            self.hass.bus.async_listen(EVENT_CORE_CONFIG_UPDATE, self._async_config_updated)
        )
        if "cloud" in self.hass.config.components:
            from homeassistant.components import cloud  # noqa: PLC0415 - loaded only with it

            self.entry.async_on_unload(
                cloud.async_listen_connection_change(self.hass, self._async_cloud_changed)
            )
        await self.async_subscribe()

    async def async_stop(self) -> None:
        """Drop the webhook (the entry is unloading); the cloud's subscription stays.

        A reload sets the entry up again at once, so the subscription is left alone
        (no pushes lost, no cloud writes); it is turned off when the option is
        (at the next start) or the entry is deleted (``async_unsubscribe_removed``).
        """
        self._async_cancel_retry()
        self._async_drop_webhook()
        ir.async_delete_issue(self.hass, DOMAIN, self._issue_id)
        self.subscribed = False

    @callback
    def _async_drop_webhook(self) -> None:
        if self._webhook_id is not None:
            webhook.async_unregister(self.hass, self._webhook_id)
            self._webhook_id = None

    def webhook_url(self) -> str | None:
        """The webhook's URL as the internet reaches it, if Home Assistant has one."""
        if self._webhook_id is None:
            return None
        if (cloudhook := self.entry.data.get(CONF_CLOUDHOOK_URL)) and _cloud_active(self.hass):
            return str(cloudhook)
        try:
            base = get_url(self.hass, allow_internal=False, allow_cloud=True, prefer_external=True)
        except NoURLAvailableError:
            return None
        return base + webhook.async_generate_path(self._webhook_id)

    async def async_subscribe(self) -> None:
        """Set the push key and point the cloud at the webhook, for every message type."""
        self._subscribing = True
        try:
            await self._async_subscribe()
        finally:
            self._subscribing = False

    async def _async_cloudhook(self) -> None:
        """Create the entry's cloudhook once, where Home Assistant Cloud is subscribed."""
        if self._webhook_id is None or self.entry.data.get(CONF_CLOUDHOOK_URL):
            return
        if not _cloud_active(self.hass):
            return
        from homeassistant.components import cloud  # noqa: PLC0415 - loaded only with it

        try:
            url = await cloud.async_create_cloudhook(self.hass, self._webhook_id)
        except cloud.CloudNotAvailable:
            return  # not connected just now: the external URL serves, and a reconnect retries
        self.hass.config_entries.async_update_entry(
            self.entry, data={**self.entry.data, CONF_CLOUDHOOK_URL: url}
        )

    async def _async_subscribe(self) -> None:
        await self._async_cloudhook()
        url = self.webhook_url()
        if url is None:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self._issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_PUSH_NO_URL,
                translation_placeholders={"entry": self.entry.title},
            )
            return
        ir.async_delete_issue(self.hass, DOMAIN, self._issue_id)
        client = self.client
        if await self._async_still_subscribed(url):
            self.subscribed = True
            LOGGER.debug("TUMS %s: receiving real-time events", self.entry.title)
            return
        try:
            await client.async_set_push_sk(self.entry.data[CONF_PUSH_KEY])
            await client.async_set_push_config(url, True)
        except CniotError as err:
            self.subscribed = False
            self._async_cancel_retry()
            self._cancel_retry = async_call_later(self.hass, RETRY_SECONDS, self._async_retry)
            # Once per failing spell: the retries log quietly.
            log = LOGGER.debug if self._warned else LOGGER.warning
            self._warned = True
            log(
                "TUMS %s: subscribing to real-time events failed (%s); polling carries on",
                self.entry.title,
                type(err).__name__,
            )
            return
        self._warned = False
        self.subscribed = True
        if self.entry.data.get(CONF_PUSH_URL) != url:
            self.hass.config_entries.async_update_entry(
                self.entry, data={**self.entry.data, CONF_PUSH_URL: url}
            )
        LOGGER.debug("TUMS %s: receiving real-time events", self.entry.title)

    async def _async_still_subscribed(self, url: str) -> bool:
        """Whether the cloud still pushes every type to ``url``, as this entry last set.

        One read instead of two writes after a reload or restart; anything else (another
        URL, switched off, a failed read) subscribes again.
        """
        if self.entry.data.get(CONF_PUSH_URL) != url:
            return False
        try:
            config = await self.client.async_get_push_config()
        except CniotError:
            return False
        return config.enabled and config.server_url == url and not config.msg_types

    async def _async_unsubscribe(self) -> None:
        if await async_turn_push_off(self.client, self.entry):
            data = {k: v for k, v in self.entry.data.items() if k != CONF_PUSH_URL}
            self.hass.config_entries.async_update_entry(self.entry, data=data)

    @callback
    def _async_config_updated(self, event: Event[Any]) -> None:
        """The external URL may have appeared or changed: subscribe again."""
        if self.webhook_url() != self.entry.data.get(CONF_PUSH_URL) or not self.subscribed:
            self._async_schedule_subscribe()

    @callback
    def _async_cloud_changed(self, _state: Any) -> None:
        """Connected to Home Assistant Cloud (or not): the URL to push to may differ."""
        if (
            self.webhook_url() != self.entry.data.get(CONF_PUSH_URL)
            or not self.subscribed
            or (not self.entry.data.get(CONF_CLOUDHOOK_URL) and _cloud_active(self.hass))
        ):
            self._async_schedule_subscribe()

    @callback
    def _async_retry(self, _now: datetime) -> None:
        self._cancel_retry = None
        self._async_schedule_subscribe()

    @callback
    def _async_cancel_retry(self) -> None:
        if self._cancel_retry is not None:
            self._cancel_retry()
            self._cancel_retry = None

    @callback
    def _async_schedule_subscribe(self) -> None:
        if self._subscribing or self._webhook_id is None:
            return
        self._subscribing = True
        self.entry.async_create_background_task(
            self.hass, self.async_subscribe(), "cniot tums push subscribe"
        )

    # -- receiving -------------------------------------------------------------------

    async def _async_handle_webhook(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        """One push; never raises, so the sender only learns what the status says."""
        try:
            return await self._async_receive(request)
        except Exception:  # noqa: BLE001 - a push must not break the webhook
            LOGGER.exception("TUMS %s: could not handle a pushed message", self.entry.title)
            return web.Response(status=200)

    async def _async_receive(self, request: web.Request) -> web.Response:
        receiver = self._receiver
        if receiver is None:
            return web.Response(status=200)
        body = await read_limited(request.content, MAX_BODY_BYTES)
        now = time.time() + self.client.clock_offset
        outcome, message = receiver.receive(body, request.headers.get(SIGNATURE_HEADER), now)
        if outcome is not PushOutcome.ACCEPTED or message is None:
            LOGGER.debug("TUMS %s: push %s", self.entry.title, outcome)
            return web.Response(status=outcome.http_status)
        self._async_route(message)
        return web.Response(status=200)

    @callback
    def _async_route(self, message: PushMessage) -> None:
        coordinator = self.coordinator
        device = find_device(coordinator.data.devices, message)
        if device is None:
            self.counters["unknown_device"] += 1
            LOGGER.debug(
                "TUMS %s: push for a device not in the list (%s)",
                self.entry.title,
                message.qr_code or message.mac or message.parent_qr_code or message.parent_mac,
            )
            return
        registry_device = dr.async_get(self.hass).async_get_device_by_identifier(
            (DOMAIN, device_identifier(self.access_key, device.key)), self.entry.entry_id
        )
        for content_type in message.content_types:
            online = status_change(content_type)
            if online is not None:
                coordinator.async_apply_status(device.key, online)
            async_dispatcher_send(
                self.hass, push_signal(self.entry.entry_id, device.key), content_type, message
            )
            self.hass.bus.async_fire(
                EVENT_CNIOT,
                {
                    ATTR_DEVICE_ID: registry_device.id if registry_device else None,
                    ATTR_TYPE: event_type(content_type),
                    ATTR_MSG_TYPE: message.msg_type,
                    ATTR_MSG_CONTENT_TYPE: content_type,
                    ATTR_MESSAGE: message.as_dict(),
                },
            )

    def diagnostics(self) -> dict[str, Any]:
        """Whether push is on and working, and what became of the pushes."""
        receiver = self._receiver
        counters: dict[str, int] = dict(receiver.counters) if receiver else {}
        counters.update(self.counters)
        return {
            "enabled": self.enabled,
            "subscribed": self.subscribed,
            "server_url": self.entry.data.get(CONF_PUSH_URL),
            "reachable_url": self.webhook_url() is not None,
            "detection_reset": self.reset_seconds,
            "remembered_ids": receiver.remembered if receiver else 0,
            "counters": counters,
        }


def _cloud_active(hass: HomeAssistant) -> bool:
    """Whether Home Assistant Cloud is loaded and its subscription active."""
    if "cloud" not in hass.config.components:
        return False
    from homeassistant.components import cloud  # noqa: PLC0415 - loaded only with it

    return cloud.async_active_subscription(hass)


async def async_turn_push_off(client: TumsClient, entry: ConfigEntry) -> bool:
    """Switch the entry's subscription off; False (logged) if the cloud did not take it."""
    try:
        await client.async_set_push_config(str(entry.data[CONF_PUSH_URL]), False)
    except CniotError as err:
        # Kept in the entry, so the next start tries again.
        LOGGER.warning(
            "TUMS %s: turning real-time events off failed (%s)",
            entry.title,
            type(err).__name__,
        )
        return False
    return True


async def async_unsubscribe_removed(
    hass: HomeAssistant, entry: ConfigEntry, client: TumsClient
) -> None:
    """The entry is deleted: the cloud stops pushing to its webhook."""
    if entry.data.get(CONF_PUSH_URL):
        await async_turn_push_off(client, entry)


async def async_delete_cloudhook(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """The entry is deleted: so is its cloudhook, if it made one."""
    webhook_id = entry.data.get(CONF_WEBHOOK_ID)
    if not entry.data.get(CONF_CLOUDHOOK_URL) or not webhook_id:
        return
    if "cloud" not in hass.config.components:
        return
    from homeassistant.components import cloud  # noqa: PLC0415 - loaded only with it

    try:
        await cloud.async_delete_cloudhook(hass, str(webhook_id))
    except cloud.CloudNotAvailable:
        LOGGER.debug("TUMS %s: the cloudhook could not be deleted now", entry.title)
