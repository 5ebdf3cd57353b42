"""argv → a command; no logic of its own beyond choosing and reporting."""

from __future__ import annotations

import argparse
import sys

COMMANDS = ("demo", "check", "validate", "timeline")


def _ui_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--theme", help="theme name (bundled or in your config folder)")
    parser.add_argument("--keymap", help="keymap name (bundled or in your config folder)")
    parser.add_argument("--read-only", action="store_true", help="show everything, act on nothing")


def build_parser() -> argparse.ArgumentParser:
    from console import __version__

    parser = argparse.ArgumentParser(
        prog="genesis-console",
        description="War-room console for the GENESIS Orchestrator.",
        epilog="commands: demo, check, validate, timeline (genesis-console COMMAND --help)",
    )
    parser.add_argument("--version", action="version", version=f"genesis-console {__version__}")
    parser.add_argument("--config", help="config file (default: $GENESIS_CONSOLE_CONFIG, then XDG)")
    _ui_options(parser)
    return parser


def build_command_parser(command: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"genesis-console {command}")
    if command == "demo":
        from console.demo import SCENARIOS

        parser.add_argument("--scenario", default="healthy", choices=SCENARIOS)
        parser.add_argument(
            "--at",
            default=None,
            help="start this far into the scenario's 10-minute cycle, e.g. 2m "
            "(default: a few seconds before its trouble; 0 for the whole story)",
        )
        parser.add_argument(
            "--seed",
            type=int,
            help="the simulated world's seed, to replay a run (default: a fresh one each run)",
        )
        _ui_options(parser)
    elif command == "check":
        parser.add_argument("--config")
        parser.add_argument("--format", choices=("text", "json"), default="text")
    elif command == "validate":
        parser.add_argument("path", nargs="?", help="a config, theme or keymap file")
        parser.add_argument("--kind", choices=("config", "theme", "keymap"))
    elif command == "timeline":
        parser.add_argument("--config")
        parser.add_argument(
            "--since",
            default="2h",
            help="how far back (90s, 5m, 2h, 1d; default 2h) or a time (2026-12-02T03:00Z)",
        )
        parser.add_argument(
            "--until",
            help="end of the window: a time (2026-12-02T05:00Z) or how long ago (30m); default now",
        )
        parser.add_argument("--format", choices=("markdown", "json"), default="markdown")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `genesis-console` command."""
    from console.config import ConfigError

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in COMMANDS:
            command = args.pop(0)
            options = build_command_parser(command).parse_args(args)
        else:
            command = "run"
            options = build_parser().parse_args(args)
        from console import commands

        return getattr(commands, command)(options)
    except ConfigError as exc:
        from console.text import redact

        # a message may quote the line it is about: a URL in it keeps its password masked
        print(f"genesis-console: config error: {redact(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `genesis-console check | head`: the reader left, not an error
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
