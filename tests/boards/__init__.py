"""Tests of the boards service."""
