"""Client of the TP-LINK commercial cloud (TUMS, 商用云) OpenAPI.

Independent of Home Assistant: ``signing`` holds the pure AK/SK request
signature, ``models`` the typed replies and enumerations, ``client`` the
async HTTP client.
"""

from __future__ import annotations
