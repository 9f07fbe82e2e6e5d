"""The boards use cases, over repository and unit-of-work interfaces (never adapters)."""
