"""Tests of the commissioning projects service."""
