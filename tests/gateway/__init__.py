"""Tests of the gateway vendor."""
