"""The projects domain: pure models and rules, no I/O."""
