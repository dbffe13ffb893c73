"""Tests of the vendor API simulators."""
