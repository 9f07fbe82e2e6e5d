"""Needs intelligence domain: indicator statistics and disclosure control (pure code)."""
