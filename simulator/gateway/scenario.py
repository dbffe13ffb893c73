# The passphrases below belong to simulated gateways' Wi-Fi and protect nothing.
# ruff: noqa: S106
"""Scenarios: the initial state the simulators serve.

A scenario file is JSON with one section per vendor; see simulator/README.md. Sections of
vendors this version does not simulate are ignored, so one file can serve them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import json
from pathlib import Path
import random
from typing import Any, Final

from .network import lan_problem, parse_ipv4, parse_port_spec
from .state import (
    KB_PER_GB,
    SIM_SLOTS,
    UNSET_IP,
    USB_WIFI_KEY,
    Assignment,
    GatewayState,
    Hotspot,
    Lan,
    MappingRule,
    ScenarioError,
    SimChannel,
    SpeedRecord,
    WifiChannel,
    gateway_from_json,
    gateway_to_json,
    rule_from_json,
    rule_to_json,
)

GATEWAY_SECTION: Final = "gateway"

APN_BY_OPERATOR: Final = {"CMCC": "cmnet", "CUCC": "3gnet", "CTCC": "ctnet"}
# Per network type: (band, frequency in MHz, typical up, down kbit/s, rtt ms).
RADIO_PROFILES: Final[dict[str, tuple[str, int, float, float, float]]] = {
    "5G SA": ("n78", 3549, 30000.0, 150000.0, 25.0),
    "5G NSA": ("n41", 2565, 20000.0, 90000.0, 35.0),
    "4G LTE": ("B3", 1850, 8000.0, 30000.0, 50.0),
}
WIFI_PROFILE: Final = (15000.0, 60000.0, 15.0)
NET_BY_TYPE: Final = {"5G SA": "SA", "5G NSA": "NSA", "4G LTE": "auto"}


@dataclass(slots=True)
class Scenario:
    """Initial state of the gateway backend."""

    gateways: list[GatewayState] = field(default_factory=list)
    rules: list[MappingRule] = field(default_factory=list)


def sim_channel(
    index: int,
    operator: str,
    network_type: str,
    *,
    rateup: float,
    ratedown: float,
    signal: float = -85,
    used: float = 0,
    init_flow: float = 100,
    iccid: str = "",
    innerip: str = UNSET_IP,
    outerip: str = UNSET_IP,
    slot: int = 0,
    today_used_flow: float = 0,
    connected: bool = True,
) -> SimChannel:
    """A SIM channel with values consistent with its operator and network type."""
    band, frequency, _up, _down, rtt = RADIO_PROFILES[network_type]
    total = init_flow * KB_PER_GB
    return SimChannel(
        name=f"SIM{index + 1}",
        enable=1 if connected else 0,
        state=1 if connected else 0,
        signal=signal,
        operator=operator,
        network_type=network_type,
        rateup=rateup if connected else 0,
        ratedown=ratedown if connected else 0,
        rtt=rtt,
        used=used,
        remain=max(total - used, 0),
        total=total,
        innerip=innerip,
        outerip=outerip,
        net=NET_BY_TYPE[network_type],
        slot=slot,
        apn=APN_BY_OPERATOR.get(operator, "cmnet"),
        init_flow=init_flow,
        iccid=iccid,
        frequency=frequency,
        frequency_range=band,
        rssi=signal + 22,
        rssp=signal,
        rssq=-10 if signal > -95 else -14,
        sinru=18 if signal > -95 else 6,
        today_used_flow=today_used_flow,
    )


def new_gateway(sn: str, alias: str, *, lan_octet: int = 4) -> GatewayState:
    """A freshly registered gateway: online, two connected SIMs and an unused third slot."""
    lan = Lan(
        ip=f"192.168.{lan_octet}.1",
        start=f"192.168.{lan_octet}.100",
        end=f"192.168.{lan_octet}.199",
    )
    return GatewayState(
        sn=sn,
        alias=alias,
        lan=lan,
        hotspot=Hotspot(name=f"IG200-{sn[-4:]}", passwd="12345678"),
        channels={
            "0": sim_channel(0, "CMCC", "5G SA", rateup=12000, ratedown=65000, signal=-84),
            "1": sim_channel(1, "CUCC", "5G NSA", rateup=8000, ratedown=42000, signal=-91),
            "2": None,
        },
    )


RULE_NMS: Final = "ebfa83fe9b9aa6a83fe"
RULE_CAMERA: Final = "5c1d2e3f4a5b6c7d8e9"


def default_scenario() -> Scenario:
    """Four realistic gateways (one offline) and two port-mapping rules, one assigned."""
    shanghai = GatewayState(
        sn="172DE6AC9832DE",
        alias="上海1",
        model="IG200",
        version="V1.1.2",
        runtime=156482,
        remark="这是备注",
        record=SpeedRecord(time=1735689600000, up=56482, down=65824),
        lan=Lan(ip="192.168.4.1", mask="255.255.255.0", start="192.168.4.100", end="192.168.4.199"),
        hotspot=Hotspot(enable=1, name="上海1-WiFi", passwd="Sh4ngh4i-2024"),
        channels={
            "0": sim_channel(
                0,
                "CMCC",
                "5G SA",
                rateup=8546,
                ratedown=36426,
                signal=-82,
                used=5226810,
                iccid="89860012345678901234",
                innerip="10.122.45.67",
                outerip="117.136.12.34",
                slot=1,
                today_used_flow=312456,
            ),
            "1": sim_channel(
                1,
                "CUCC",
                "5G NSA",
                rateup=4210,
                ratedown=18830,
                signal=-95,
                used=2048000,
                iccid="89860112345678905678",
                innerip="10.64.3.21",
                outerip="112.65.7.89",
                slot=2,
                today_used_flow=102400,
            ),
            "2": None,
            USB_WIFI_KEY: WifiChannel(
                ssid="Office-5G",
                wifi_key="office-pass-123",
                wifi_signal=-52,
                rateup=2200,
                ratedown=9800,
                rtt=12,
                used=1024000,
                innerip="192.168.31.120",
                outerip="58.247.1.2",
                ssid_list=["Office-5G", "Office-2.4G", "Guest"],
            ),
        },
        top=1,
        mappings=[Assignment(uuid=RULE_NMS, ip="192.168.4.2")],
    )
    vehicle = GatewayState(
        sn="2A9F3C71B0E4D5",
        alias="北京-应急车",
        version="V1.1.3",
        runtime=7322,
        remark="应急通信保障车",
        record=SpeedRecord(time=1735776000000, up=41200, down=98700),
        lat=39.9042,
        lon=116.4074,
        lan=Lan(ip="192.168.5.1", mask="255.255.255.0", start="192.168.5.100", end="192.168.5.199"),
        hotspot=Hotspot(name="应急车-WiFi", passwd="Emergency#110", chain=36, bandwidth=3),
        channels={
            "0": sim_channel(
                0,
                "CMCC",
                "5G SA",
                rateup=15320,
                ratedown=52110,
                signal=-88,
                used=812345,
                iccid="89860023456789012345",
                innerip="10.200.1.9",
                outerip="111.30.2.77",
                today_used_flow=812345,
            ),
            "1": sim_channel(
                1,
                "CTCC",
                "5G NSA",
                rateup=9870,
                ratedown=40120,
                signal=-97,
                used=654321,
                iccid="89860323456789016789",
                innerip="10.150.8.3",
                outerip="106.38.9.14",
                today_used_flow=654321,
            ),
            "2": sim_channel(
                2,
                "CUCC",
                "4G LTE",
                rateup=3120,
                ratedown=12880,
                signal=-103,
                used=123456,
                init_flow=50,
                iccid="89860123456789019999",
                innerip="10.8.77.5",
                outerip="123.125.3.3",
                today_used_flow=123456,
            ),
            USB_WIFI_KEY: WifiChannel(
                ssid="Phone-Hotspot",
                wifi_key="hotspot-8888",
                wifi_signal=-67,
                wifi_frequency_range="2.4GHz",
                wifi_mode="802.11n",
                rateup=1500,
                ratedown=6400,
                rtt=22,
                used=20480,
                innerip="172.20.10.4",
                outerip="111.30.2.78",
                is_dhcp=True,
                ssid_list=["Phone-Hotspot"],
            ),
        },
        lock=1,
    )
    warehouse = GatewayState(
        sn="3C0DE5F7A1B2C4",
        alias="Warehouse",
        model="IG300",
        version="V2.0.1",
        runtime=2592000,
        lan=Lan(ip="10.10.0.1", mask="255.255.255.0", start="10.10.0.100", end="10.10.0.200"),
        hotspot=Hotspot(enable=0, name="Warehouse-AP", passwd="warehouse-01", hidden=1),
        channels={
            "0": sim_channel(
                0,
                "CTCC",
                "5G SA",
                rateup=5230,
                ratedown=21870,
                signal=-79,
                used=30123456,
                init_flow=300,
                iccid="89860334567890123456",
                innerip="10.33.4.5",
                outerip="183.2.3.4",
                today_used_flow=987654,
            ),
            "1": sim_channel(
                1,
                "CMCC",
                "4G LTE",
                rateup=0,
                ratedown=0,
                signal=-99,
                iccid="89860034567890127890",
                connected=False,
            ),
            # Wi-Fi uplink switched off: the warehouse runs on cellular only.
            USB_WIFI_KEY: WifiChannel(
                enable=0,
                state=0,
                ssid="Warehouse-Office",
                wifi_key="wh-office-2024",
                wifi_signal=-71,
                ssid_list=["Warehouse-Office"],
            ),
        },
    )
    offline = GatewayState(
        sn="4E5F60718293A4",
        alias="深圳-备用",
        runtime=86400,
        online=False,
        lan=Lan(ip="192.168.6.1", mask="255.255.255.0", start="192.168.6.100", end="192.168.6.199"),
        hotspot=Hotspot(name="深圳-备用", passwd="shenzhen-88"),
        channels={
            "0": sim_channel(
                0, "CMCC", "5G NSA", rateup=6000, ratedown=25000, iccid="89860045678901234567"
            ),
            "1": sim_channel(
                1, "CUCC", "4G LTE", rateup=2000, ratedown=9000, iccid="89860145678901238901"
            ),
            "2": None,
            USB_WIFI_KEY: WifiChannel(
                ssid="Shenzhen-Depot", wifi_key="depot-wifi-77", rateup=800, ratedown=3000
            ),
        },
    )
    rules = [
        MappingRule(
            uuid=RULE_NMS,
            name="NMS_UDPPort",
            ip="192.168.16.56",
            port="1935,22000-22010,22222,22048-22058",
            protocol=1,
        ),
        MappingRule(
            uuid=RULE_CAMERA,
            name="Camera_RTSP",
            ip="203.0.113.10",
            port="554,8554",
            protocol=0,
            mark="监控摄像头",
        ),
    ]
    return Scenario(gateways=[shanghai, vehicle, warehouse, offline], rules=rules)


def generate_scenario(n: int, seed: int = 0, channels: int = 2) -> Scenario:
    """``n`` gateways with ``channels`` SIM channels each, for load tests.

    Deterministic for a seed. Every tenth gateway is offline; when fewer than six SIM
    channels are used the next slot is present but unused (``{}``). Two rules exist, the
    first assigned to the first gateway.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if not 0 <= channels <= SIM_SLOTS:
        raise ValueError(f"channels must be 0..{SIM_SLOTS}")
    rng = random.Random(seed)
    operators = sorted(APN_BY_OPERATOR)
    types = list(RADIO_PROFILES)
    gateways: list[GatewayState] = []
    serials: set[str] = set()
    for index in range(n):
        sn = f"{rng.getrandbits(56):014X}"
        while sn in serials:
            sn = f"{rng.getrandbits(56):014X}"  # pragma: no cover  (56-bit collision)
        serials.add(sn)
        octet = index % 250 + 1
        gateway_channels: dict[str, SimChannel | WifiChannel | None] = {}
        for slot in range(channels):
            network_type = rng.choice(types)
            _band, _freq, up, down, _rtt = RADIO_PROFILES[network_type]
            gateway_channels[str(slot)] = sim_channel(
                slot,
                rng.choice(operators),
                network_type,
                rateup=round(up * rng.uniform(0.2, 1.0)),
                ratedown=round(down * rng.uniform(0.2, 1.0)),
                signal=rng.randint(-110, -70),
                used=rng.randint(0, 50 * KB_PER_GB),
                iccid="8986" + "".join(str(rng.randint(0, 9)) for _ in range(16)),
                innerip=f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                outerip=f"111.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            )
        if channels < SIM_SLOTS:
            gateway_channels[str(channels)] = None
        has_fix = rng.random() < 0.5
        gateways.append(
            GatewayState(
                sn=sn,
                alias=f"GW-{index + 1:03d}",
                model="IG300" if index % 3 == 2 else "IG200",
                version=rng.choice(["V1.1.2", "V1.1.3", "V2.0.1"]),
                runtime=rng.randint(60, 90 * 86400),
                online=index % 10 != 9,
                lat=round(rng.uniform(22.0, 41.0), 4) if has_fix else 0,
                lon=round(rng.uniform(100.0, 122.0), 4) if has_fix else 0,
                lan=Lan(
                    ip=f"192.168.{octet}.1",
                    start=f"192.168.{octet}.100",
                    end=f"192.168.{octet}.199",
                ),
                hotspot=Hotspot(name=f"GW-{index + 1:03d}", passwd=f"pass-{index + 1:05d}"),
                channels=gateway_channels,
            )
        )
    rules = [
        MappingRule(uuid=RULE_NMS, name="NMS_UDPPort", ip="192.168.16.56", port="1935", protocol=1),
        MappingRule(
            uuid=RULE_CAMERA, name="Camera_RTSP", ip="203.0.113.10", port="554", protocol=0
        ),
    ]
    if gateways:
        first = gateways[0]
        first.mappings.append(Assignment(uuid=RULE_NMS, ip=first.lan.ip.rsplit(".", 1)[0] + ".10"))
    return Scenario(gateways=gateways, rules=rules)


# -- files -----------------------------------------------------------------------------


def scenario_from_json(data: Any) -> Scenario:
    """A scenario from its JSON form; ScenarioError when inconsistent."""
    if not isinstance(data, dict):
        raise ScenarioError("a scenario is a JSON object")
    section = data.get(GATEWAY_SECTION, {})
    if not isinstance(section, dict):
        raise ScenarioError(f"{GATEWAY_SECTION}: expected an object")
    devices, rules_json = section.get("devices", []), section.get("rules", [])
    if not isinstance(devices, list) or not isinstance(rules_json, list):
        raise ScenarioError(f"{GATEWAY_SECTION}: devices and rules are lists")
    scenario = Scenario(
        gateways=[
            gateway_from_json(f"{GATEWAY_SECTION}.devices[{index}]", item)
            for index, item in enumerate(devices)
        ],
        rules=[
            rule_from_json(f"{GATEWAY_SECTION}.rules[{index}]", item)
            for index, item in enumerate(rules_json)
        ],
    )
    check_scenario(scenario)
    return scenario


def check_scenario(scenario: Scenario) -> None:
    """Refuse duplicates, dangling references and unusable addresses."""
    serials = [gateway.sn for gateway in scenario.gateways]
    aliases = [gateway.alias for gateway in scenario.gateways]
    uuids = [rule.uuid for rule in scenario.rules]
    for what, values in (("sn", serials), ("alias", aliases), ("rule uuid", uuids)):
        if len(set(values)) != len(values):
            raise ScenarioError(f"duplicate {what}")
    for rule in scenario.rules:
        if parse_ipv4(rule.ip) is None or parse_port_spec(rule.port) is None:
            raise ScenarioError(f"rule {rule.uuid}: invalid ip or port")
        if rule.protocol not in (0, 1, 2):
            raise ScenarioError(f"rule {rule.uuid}: protocol must be 0, 1 or 2")
    for gateway in scenario.gateways:
        problem = lan_problem(gateway.lan)
        if problem:
            raise ScenarioError(f"gateway {gateway.sn}: LAN {problem}")
        for assignment in gateway.mappings:
            if assignment.uuid not in uuids:
                raise ScenarioError(f"gateway {gateway.sn}: unknown rule {assignment.uuid}")


def scenario_to_json(scenario: Scenario) -> dict[str, Any]:
    """The JSON form of a scenario."""
    return {
        GATEWAY_SECTION: {
            "devices": [gateway_to_json(gateway) for gateway in scenario.gateways],
            "rules": [rule_to_json(rule) for rule in scenario.rules],
        }
    }


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file; OSError or ScenarioError on failure."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except ValueError as err:
        raise ScenarioError(f"{path}: not JSON: {err}") from err
    return scenario_from_json(data)


def dump_scenario(scenario: Scenario, path: str | Path) -> None:
    """Write a scenario file."""
    text = json.dumps(scenario_to_json(scenario), ensure_ascii=False, indent=2)
    Path(path).write_text(text + "\n", encoding="utf-8")
