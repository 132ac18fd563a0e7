"""Embedded servers used when no store or queue URL is configured: FerretDB and Valkey."""

from embedded.ferretdb import FerretDBServer
from embedded.process import EmbeddedServerError, ServerProcess
from embedded.valkey import ValkeyServer

__all__ = ["EmbeddedServerError", "FerretDBServer", "ServerProcess", "ValkeyServer"]
