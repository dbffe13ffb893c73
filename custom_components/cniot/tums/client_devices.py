"""TUMS OpenAPI calls on devices: lists, overview, names, reboots and firmware."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Final

from ..client.errors import (
    CniotInvalidResponseError,
    CniotVendorError,
)
from ..client.http import retry_once
from ..client.paging import fetch_pages, gather_or_raise
from ..client.parse import as_int, as_mapping
from .client_core import (
    _LOGGER,
    TumsClientCore,
    _check_device_pages,
    _ref,
)
from .codes import ApplicationType
from .models import Device, DevicePage, DeviceRef, FailItem, Overview, TargetIndex
from .paths import (
    PATH_CHECK_FIRMWARE,
    PATH_DEVICE_LIST,
    PATH_OVERVIEW,
    PATH_REBOOT,
    PATH_RENAME,
    PATH_UPGRADE,
    PATH_UPGRADE_INFO,
)
from .tier_models import (
    UpgradeInfo,
    UpgradeReport,
)

MAX_PAGE_SIZE: Final = 100  # limit of the device lists, [1, 100]


class TumsDeviceApi(TumsClientCore):
    """Device lists (paged), the overview, renames, reboots and firmware upgrades."""

    # Devices

    async def async_get_device_page(
        self, app_type: ApplicationType | str, page: int, page_size: int = MAX_PAGE_SIZE
    ) -> DevicePage:
        """One page (counted from 0) of the application's devices, children included.

        ``start`` is an item offset, so page ``n`` starts at ``n * page_size``. A read,
        so it is tried once more after a transient failure.
        """
        return await retry_once(lambda: self._device_page(app_type, page, page_size))

    async def _device_page(
        self,
        app_type: ApplicationType | str,
        page: int,
        page_size: int,
        region_id: str | None = None,
    ) -> DevicePage:
        size = min(max(1, page_size), MAX_PAGE_SIZE)
        path = PATH_DEVICE_LIST[ApplicationType(app_type)]
        filters: dict[str, object] = {"hasChild": 1}
        if region_id is not None:
            filters["regionId"] = region_id  # project applications only (1.2.2.2)
        result = await self._mapping_result(
            path, {"start": page * size, "limit": size, "filterAnd": filters}
        )
        raw = result.get("list")
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            raise CniotInvalidResponseError(f"reply from {path} has no device list")
        if len(raw) > size:
            # More than asked for: a cloud that ignores the limit is not paged through.
            raise CniotInvalidResponseError(f"reply from {path} has more devices than asked for")
        total = as_int(result.get("total"))
        devices = tuple(device for item in raw if (device := self._read_device(item)))
        reported = total is not None and total >= 0
        return DevicePage(
            total=total if total is not None and reported else len(raw),
            devices=devices,
            raw_length=len(raw),
            total_reported=reported,
        )

    async def async_get_devices(
        self, app_type: ApplicationType | str, regions: Sequence[str] | None = None
    ) -> list[Device]:
        """Every device of the application (or of these regions), 100 per call, flat.

        As many pages as the previous listing needed are requested at once. A listing
        that fails transiently, or comes out incomplete, is read once more. Regions
        (project applications) are listed each on its own, side by side.
        """
        kind = ApplicationType(app_type)
        return await retry_once(lambda: self._get_devices(kind, regions))

    def _read_device(self, item: object) -> Device | None:
        """One list entry; None (skipped, counted) when it has no usable identity."""
        try:
            return self._parse_device(item)
        except (TypeError, ValueError, AttributeError, KeyError, OverflowError) as err:
            _LOGGER.debug("device list: unreadable entry (%s)", type(err).__name__)
            return None

    async def _get_devices(
        self, kind: ApplicationType, regions: Sequence[str] | None
    ) -> list[Device]:
        self._parse_device.rotate()
        self.malformed.start()
        listings = await gather_or_raise(
            *(
                self._region_pages(kind, region)
                for region in ([None] if regions is None else regions)
            )
        )
        pages = [page for listing in listings for page in listing]
        # One bad entry costs only itself; the coordinator counts no device as gone meanwhile.
        # Children nested in an entry count as entries of the listing too.
        devices = [device for page in pages for device in page.devices]
        self.malformed.add(sum(page.raw_length - len(page.devices) for page in pages))
        self.malformed.add(sum(device.nested_skipped for device in devices))
        self.malformed.finish(
            sum(page.raw_length for page in pages)
            + sum(device.nested_entries for device in devices)
        )
        return devices

    async def _region_pages(self, kind: ApplicationType, region: str | None) -> list[DevicePage]:
        """Every page of one region's list (None: the whole application's)."""
        pages = await fetch_pages(
            lambda number: self._device_page(kind, number, MAX_PAGE_SIZE, region),
            lambda page: (page.raw_length, page.total if page.total_reported else None),
            page_size=MAX_PAGE_SIZE,
            expected_pages=self._pages.get((kind, region), 1),
            what="device list",
            check=_check_device_pages,
        )
        self._pages[kind, region] = len(pages)
        return pages

    async def async_detect_application_type(self) -> ApplicationType:
        """Which kind of application the AK/SK belongs to.

        Each device list only works for its own kind: the device-type list is
        tried first and, if the cloud refuses it with a vendor error, the
        project-type list. Credential, rate-limit and transport errors are raised.
        """
        try:
            await self.async_get_device_page(ApplicationType.DEVICE, 0, 1)
        except CniotVendorError as err:
            _LOGGER.debug("not a device-type application: %s", err.code)
        else:
            return ApplicationType.DEVICE
        await self.async_get_device_page(ApplicationType.PROJECT, 0, 1)
        return ApplicationType.PROJECT

    async def async_get_overview(self) -> Overview:
        """Device counts (all, online, faulty) per device class."""
        result = await self._read(PATH_OVERVIEW)
        if result is None:
            return Overview.parse({})  # no classes to count
        if not isinstance(result, Mapping):
            raise CniotInvalidResponseError(f"reply from {PATH_OVERVIEW} has no result object")
        return Overview.parse(result)

    async def async_rename(self, device: DeviceRef | Device, name: str) -> None:
        """Rename a device (online, trial or paid only)."""
        if not name.strip():
            raise ValueError("the name must not be empty")
        await self.async_call(PATH_RENAME, {**_ref(device).to_payload(), "deviceName": name})

    async def async_reboot(self, devices: Iterable[DeviceRef | Device]) -> list[FailItem]:
        """Reboot devices, 100 per call; returns the devices that failed.

        NVR channels cannot be rebooted this way, so no ``channelId`` is sent.
        """
        return await self._batch_failures(PATH_REBOOT, devices, channel=False)

    async def async_check_newest_firmware(
        self, devices: Iterable[DeviceRef | Device]
    ) -> list[FailItem]:
        """Ask the devices to look for new firmware; returns the failures.

        The outcome is read with :meth:`async_get_upgrade_info`.
        """
        return await self._batch_failures(PATH_CHECK_FIRMWARE, devices)

    async def async_upgrade(self, devices: Iterable[DeviceRef | Device]) -> list[FailItem]:
        """Start online upgrades; returns the failures. Poll the progress with upgrade info."""
        return await self._batch_failures(PATH_UPGRADE, devices)

    async def async_get_upgrade_info(
        self, devices: Iterable[DeviceRef | Device], *, reset_result: bool = False
    ) -> UpgradeReport:
        """Firmware versions and upgrade progress, 100 devices per call."""
        replies = await self._batch(
            PATH_UPGRADE_INFO,
            devices,
            extra={"resetUpgradeResult": int(reset_result)},
            concurrent=True,
        )
        infos: list[UpgradeInfo] = []
        failures: list[FailItem] = []
        self._parse_upgrade.rotate()
        refs: dict[int, tuple[UpgradeInfo, UpgradeInfo]] = {}
        for envelope, batch in replies:
            if envelope.result is not None and not isinstance(envelope.result, Mapping):
                raise CniotInvalidResponseError(
                    f"reply from {PATH_UPGRADE_INFO} has no result object"
                )
            items = as_mapping(envelope.result).get("list")
            if items is not None and not isinstance(items, list):
                raise CniotInvalidResponseError(
                    f"reply from {PATH_UPGRADE_INFO} has no upgrade list"
                )
            index = TargetIndex(batch)
            for item in items or ():
                if isinstance(item, Mapping):
                    info = self._parse_upgrade(item)
                    ref = index.match(info.qr_code, info.mac, info.channel_id, info.child_mac)
                    known = self._upgrade_refs.get(id(info))
                    if known is not None and known[0] is info and known[1].ref == ref:
                        matched = known[1]
                    else:
                        matched = replace(info, ref=ref)
                    refs[id(info)] = (info, matched)
                    infos.append(matched)
            failures.extend(
                replace(
                    fail, ref=index.match(fail.qr_code, fail.mac, fail.channel_id, fail.child_mac)
                )
                for fail in envelope.fail_list
            )
        self._upgrade_refs = refs
        return UpgradeReport(infos=tuple(infos), failures=tuple(failures))
