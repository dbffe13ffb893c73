"""Tests of the Gizwits vendor."""
