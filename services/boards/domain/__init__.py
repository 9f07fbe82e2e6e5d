"""The boards domain: pure models and rules, no I/O (they are unit-tested directly)."""
