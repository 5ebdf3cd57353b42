"""argv → a command; no logic of its own."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from console import __version__

    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "--version":
        print(f"genesis-console {__version__}")
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
