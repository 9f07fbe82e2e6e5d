"""Contract monitoring rules: pure, no I/O (the Review stage)."""
