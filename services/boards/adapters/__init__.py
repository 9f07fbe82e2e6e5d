"""The boards adapters: tables, repositories, Kafka."""
