"""The TUMS OpenAPI paths the client calls (a table of the vendor document's APIs)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from .codes import ApplicationType

PATH_DEVICE_LIST: Final[Mapping[ApplicationType, str]] = {
    ApplicationType.DEVICE: "/tums/open/deviceManager/v1/getDeviceListInDeviceApplication",
    ApplicationType.PROJECT: "/tums/open/deviceManager/v1/getDeviceListInProjectApplication",
}
PATH_OVERVIEW: Final = "/tums/open/deviceManager/v1/getApplicationOverview"
PATH_RENAME: Final = "/tums/open/deviceManager/v1/modifyDeviceName"
PATH_REBOOT: Final = "/tums/open/deviceManager/v1/rebootDeviceList"
PATH_CHECK_FIRMWARE: Final = "/tums/open/deviceManager/v1/checkDeviceNewestFwVer"
PATH_UPGRADE: Final = "/tums/open/deviceManager/v1/upgradeDeviceOnline"
PATH_UPGRADE_INFO: Final = "/tums/open/deviceManager/v1/getDeviceUpgradeInfo"
PATH_SOLAR_POWER: Final = "/evcs/open/chargingDeviceManager/v1/querySolarPower"
PATH_SOLAR_LOAD_RESET: Final = "/evcs/open/chargingDeviceManager/v1/solarLoadReset"
PATH_STREAM_URL: Final = "/vms/open/webServer/v1/requestStreamUrl"
PATH_FLV_URL: Final = "/vms/open/httpFlvService/v1/getHttpFlvUrl"
PATH_FLV_CLOSE_REASON: Final = "/vms/open/httpFlvService/v1/getHttpFlvCloseReason"
PATH_MANUAL_TIMING: Final = "/vms/open/deviceConfig/v1/manualTiming"
PATH_GET_TIMING_REBOOT: Final = "/vms/open/deviceConfig/v1/getDeviceTimingReboot"
PATH_SET_TIMING_REBOOT: Final = "/vms/open/deviceConfig/v1/modifyDeviceTimingReboot"
PATH_SD_CARDS: Final = "/vms/open/deviceConfig/v1/getDeviceSdCardInfo"
PATH_FORMAT_SD_CARD: Final = "/vms/open/deviceConfig/v1/formatDeviceSdCard"
PATH_GET_RECORD_LOOP: Final = "/vms/open/deviceConfig/v1/getDeviceRecordLoopInfo"
PATH_SET_RECORD_LOOP: Final = "/vms/open/deviceConfig/v1/modifyDeviceRecordLoopInfo"
PATH_GET_TIME_SYNC: Final = "/vms/open/deviceConfig/v1/getDeviceTimingInfo"
PATH_SET_TIME_SYNC: Final = "/vms/open/deviceConfig/v1/modifyDeviceTimingInfo"
PATH_GET_SOLAR_SUPPLY: Final = "/evcs/open/chargingDeviceManager/v1/querySolarSupplyTime"
PATH_SET_SOLAR_SUPPLY: Final = "/evcs/open/chargingDeviceManager/v1/setSolarSupplyTime"
PATH_SOLAR_METRICS: Final = "/evcs/open/chargingDeviceManager/v1/getMetricValue"
PATH_CAPABILITY: Final = "/vms/open/deviceManager/v1/getDeviceCapability"
PATH_PTZ_RESET_SUPPORT: Final = "/vms/open/deviceConfig/v1/getPtzDeviceResetSupport"
PATH_PTZ_RESET: Final = "/vms/open/deviceConfig/v1/resetPtzDevicePosition"
PATH_PASSENGER_FLOW_DEVICES: Final = "/tums/open/passengerFlow/v1/getFlowDeviceInRegion"
PATH_DEVICE_PASSENGER_FLOW: Final = "/tums/open/passengerFlow/v1/queryDeviceSingleFlow"
PATH_TRIGGER_ALARM: Final = "/tums/open/alarm/v1/triggerManualAlarm"
PATH_SET_DETECTION: Final = "/tums/open/alarm/v1/setEnableByAlarmType"
PATH_SET_ALARM_INPUT: Final = "/tums/open/alarm/v1/setAlarmInputEnable"
PATH_SET_ALARM_OUTPUT: Final = "/tums/open/alarm/v1/setAlarmOutputEnable"
PATH_SET_PUSH_CONFIG: Final = "/tums/open/msgTranspond/v1/setAppMsgPushConfig"
PATH_GET_PUSH_CONFIG: Final = "/tums/open/msgTranspond/v1/getAppMsgPushConfig"
PATH_SET_PUSH_SK: Final = "/tums/open/msgTranspond/v1/setAppMsgPushSk"
PATH_GET_PUSH_SK: Final = "/tums/open/msgTranspond/v1/getAppMsgPushSk"
