"""Config entries as released versions stored them (see tests/test_stored_entries.py)."""
