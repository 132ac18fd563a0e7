"""Write the committed SDL ``schema/schema.graphql`` from the code, or check it is current.

python -m schema.export          # regenerate
python -m schema.export --check  # exit 1 if the file differs from the code
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

SDL_PATH = Path(__file__).resolve().parent / "schema.graphql"


def current_sdl() -> str:
    from schema.app import build_schema

    return build_schema().as_str() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, do not write")
    args = parser.parse_args(argv)

    sdl = current_sdl()
    if args.check:
        committed = SDL_PATH.read_text() if SDL_PATH.exists() else ""
        if committed != sdl:
            print(f"{SDL_PATH} is out of date: run python -m schema.export", file=sys.stderr)
            return 1
        return 0
    SDL_PATH.write_text(sdl)
    print(f"wrote {SDL_PATH} ({len(sdl.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
