"""Tests of the cniot integration."""
