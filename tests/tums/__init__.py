"""Tests of the TUMS OpenAPI client, independent of Home Assistant."""

from __future__ import annotations
