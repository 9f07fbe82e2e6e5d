"""Use cases of the projects service over its ports."""
