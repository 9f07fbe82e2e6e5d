"""Unit tests of the boards' projections and reads, on fakes."""
