"""The entries the current release's stored file is written from (``CNIOT_WRITE_STORED``).

Literal values, as ``core.config_entries`` holds them; ``{url}`` stands for the server.
Edit them only when a release changes what it stores, then write that release's file.
"""

from __future__ import annotations

from typing import Any, Final

_COMMON: Final = {"domain": "cniot", "version": 1, "minor_version": 2}

ENTRIES: Final[dict[str, dict[str, Any]]] = {
    "gateway": {
        **_COMMON,
        "entry_id": "01JGATEWAYENTRY000000000000",
        "title": "Office backend",
        "unique_id": "{url}",
        "data": {"vendor": "gateway", "url": "{url}"},
        "options": {"scan_interval": 60, "set_path": "/api/v1/devices/set"},
    },
    "gizwits": {
        **_COMMON,
        "entry_id": "01JGIZWITSAC000000000000000",
        "title": "Gizwits 智能空调",
        "unique_id": "a3c9f07e2d1b4c6a8e5f0d9c7b6a5e41",
        "data": {
            "vendor": "gizwits",
            "url": "{url}",
            "enterprise_id": "5e1c0d2a9b8f4e7d6c5b4a3928171605",
            "enterprise_secret": "8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d",
            "product_key": "a3c9f07e2d1b4c6a8e5f0d9c7b6a5e41",
            "product_secret": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        },
        "options": {
            "scan_interval": 300,
            "datapoints": {
                "room_temp": {"unit": "°C", "device_class": "temperature", "hidden": False}
            },
        },
    },
    "tums": {
        **_COMMON,
        "entry_id": "01JTUMSENTRY000000000000000",
        "title": "TP-LINK TUMS demo",
        "unique_id": "ZDkxZmIyNTc2NTg4NTg2ODcxNDE3NTI3YzMyNWU0",
        "data": {
            "vendor": "tums",
            "url": "{url}",
            "access_key": "ZDkxZmIyNTc2NTg4NTg2ODcxNDE3NTI3YzMyNWU0",
            "secret_key": "5f2b8c0e9a4d47c1b3e6f8a0d2c4e6f8",
            "terminal_id": "0123456789abcdef0123456789abcdef",
            "app_type": "project",
        },
        "options": {"scan_interval": 60, "detection_reset": 30},
    },
    "xlink": {
        **_COMMON,
        "entry_id": "01JXLINKCORP000000000000000",
        "title": "示例智能家电有限公司",
        "unique_id": "100fa2b4c0d1e2f3",
        "data": {
            "vendor": "xlink",
            "url": "{url}",
            "mode": "corp",
            "login": "ops@example.com",
            "password": "Xl1nk-demo-pass",
        },
        "options": {"scan_interval": 60},
    },
}
