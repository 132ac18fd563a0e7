"""MongoDB access: the client, collection names, indexes and idempotent writes."""

from storage.mongo import Store, connect_store

__all__ = ["Store", "connect_store"]
