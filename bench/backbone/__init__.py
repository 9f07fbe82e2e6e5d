"""Backbone throughput: raw Kafka reads vs the outbox -> Kafka -> inbox pipeline vs a naive
per-message consumer, measured in one run on the same broker and database.

    python -m bench.backbone [--events N] [--partitions P] [--naive-sample M] ...

Uses DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set; otherwise starts the embedded
PostgreSQL (data dir under /tmp) and the embedded Tansu broker, and stops them at the end.
Every run uses its own topic prefix and schemas, and drops the schemas when it finishes.

A benchmark prints figures: it exits 0 whether or not a target is met (see README.md).
"""
