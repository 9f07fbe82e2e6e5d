"""The boards' projections through real Kafka and PostgreSQL."""
