"""Published event contracts: JSON Schema per event type, one AsyncAPI document and a
README, written by `commissioning schemas export` (committed under `docs/schemas/`).

Generated from the registered contracts (`shared.contracts`) and the topic catalogue
(`shared.topics`), so a partner agency can publish, and a subscriber can consume, with
nothing but these files. Output is deterministic (stable order, fixed example ids and
times), so a test regenerates the files and compares them byte for byte with the
committed ones. Nothing here is imported by a running service.
"""

from shared.contracts.export.writer import DEFAULT_TITLE, export

__all__ = ["DEFAULT_TITLE", "export"]
