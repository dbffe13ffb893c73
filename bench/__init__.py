"""The fleet-scale benchmark behind ``scripts/bench`` (issue #6).

Home Assistant runs through the test helpers of pytest-homeassistant-custom-component
(``async_test_home_assistant``) on an ordinary event loop, without pytest, so loop
time is not inflated by the test harness's debug mode. The vendor simulators run in
a separate process for the timed figures; the Gizwits quota hours run in-process
on a virtual clock.
"""

from __future__ import annotations
