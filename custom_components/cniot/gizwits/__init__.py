"""Gizwits (机智云) enterprise API vendor.

Kept free of Home Assistant imports so that ``client`` and ``models`` import without it.
"""
