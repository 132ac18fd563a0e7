"""`stuckpoint api` with `api.bodylimit.BodyLimit` around the app, as api/app.py should wire it.

python -m bench.fuzz_guarded_api  # used by `python -m bench.fuzz_http --guarded`
"""

from __future__ import annotations

import uvicorn

from api.app import create_app
from api.bodylimit import BodyLimit
from api.settings import get_settings
from cli.main import configure_logging


def main() -> None:
    configure_logging("info")
    settings = get_settings()
    app = BodyLimit(create_app(settings), max_bytes=settings.max_request_bytes)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")


if __name__ == "__main__":
    main()
