"""Simulator of the Xlink (云智易) /v2 REST API: enterprise and app-user sides.

Semantics follow Xlink's public documents (xlink-corp/xlink-sdk: 企业信息管理接口,
授权管理, 产品与设备管理接口, 虚拟设备接口, 设备控制接口, 用户身份接口, 错误码说明):
logins issue an access and a refresh token valid ``expire_in`` seconds; a refresh
rotates both, after which the old access token answers 4031022 and the old refresh
token 4001010; an expired token answers 4031021 and cannot be refreshed. Errors are
``{"error": {"code", "msg"}}`` with the HTTP status the code begins with.
Where the documents are silent (page and batch maxima, user-token reach) the choices
are listed in simulator/README.md.

``core`` holds the state, tokens, logins and admin endpoints; ``devices`` the product and
device endpoints; ``state`` the data model, error codes and scenarios.
"""

from __future__ import annotations

from .simulator import XlinkSimulator
from .state import default_xlink_scenario, error_reply, generate_xlink_scenario

__all__ = ["XlinkSimulator", "default_xlink_scenario", "error_reply", "generate_xlink_scenario"]
