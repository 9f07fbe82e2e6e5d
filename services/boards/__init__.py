"""Board read side: the boards service."""
