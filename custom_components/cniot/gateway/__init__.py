"""Smart cellular bonding gateway vendor (IG200-class backends).

Kept empty so that ``client`` and ``models`` import without Home Assistant.
"""
