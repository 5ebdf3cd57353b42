"""argv → a command; no logic of its own beyond choosing and reporting."""

from __future__ import annotations

import argparse
import sys

COMMANDS = ("demo", "check", "validate", "timeline", "init", "report")
#: options every command that reads the config takes, before or after the command
GLOBAL_OPTIONS = ("--config", "--env")


def _config_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="config file (default: $GENESIS_CONSOLE_CONFIG, then XDG)")
    parser.add_argument(
        "--env",
        help="one of the config's environments (default: $GENESIS_ENV, then default_env)",
    )


def _ui_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--theme", help="theme name (bundled or in your config folder)")
    parser.add_argument("--keymap", help="keymap name (bundled or in your config folder)")
    parser.add_argument("--read-only", action="store_true", help="show everything, act on nothing")


def build_parser() -> argparse.ArgumentParser:
    from console import __version__

    parser = argparse.ArgumentParser(
        prog="genesis-console",
        description="War-room console for the GENESIS Orchestrator.",
        epilog="commands: demo, check, validate, timeline, init, report (genesis-console COMMAND --help)",
    )
    parser.add_argument("--version", action="version", version=f"genesis-console {__version__}")
    _config_options(parser)
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
        _config_options(parser)
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument(
            "--filter",
            help="count only the alerts this filter keeps (as `/` in the console), "
            "e.g. 'team=\"db\" @state=active'",
        )
    elif command == "validate":
        parser.add_argument("path", nargs="?", help="a config, theme or keymap file")
        parser.add_argument("--kind", choices=("config", "theme", "keymap"))
        _config_options(parser)
    elif command == "init":
        parser.add_argument(
            "--output",
            help="where to write it (default: $XDG_CONFIG_HOME/genesis-console/config.yaml)",
        )
    elif command == "timeline":
        _config_options(parser)
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
    elif command == "report":
        _config_options(parser)
        parser.add_argument("--days", type=int, default=30, help="the window: the last N days")
        parser.add_argument("--format", choices=("json", "html", "markdown"), default="markdown")
        parser.add_argument("--output", help="write the report here instead of stdout")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `genesis-console` command."""
    from console.config import ConfigError

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        leading, rest = split_leading_options(args)
        if rest and rest[0] in COMMANDS:
            command = rest.pop(0)
            parser = build_command_parser(command)
            known = {a for action in parser._actions for a in action.option_strings}
            if command == "demo":  # the demo reads no config, whatever --config says
                leading = [
                    x
                    for i in range(0, len(leading), 2)
                    if leading[i] != "--config"
                    for x in leading[i : i + 2]
                ]
            for option in leading[::2]:
                if option not in known:
                    parser.error(f"{option} does not apply to `{command}`")
            # the command's own options win over those given before it
            options = parser.parse_args(leading + rest)
        else:
            command = "run"
            options = build_parser().parse_args(args)
        from console import commands

        return getattr(commands, command)(options)
    except ConfigError as exc:
        from console.text import clean

        # one line, escapes shown not obeyed: the path and the YAML parser's words
        # can hold anything the file or the command line held
        print(f"genesis-console: config error: {clean(exc, 2000)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `genesis-console check | head`: the reader left, not an error
        sys.stderr.close()
        return 0


def split_leading_options(args: list[str]) -> tuple[list[str], list[str]]:
    """`--config P --env E check ...` → (["--config", P, "--env", E], ["check", ...]):
    the global options given before the command, and the rest."""
    leading: list[str] = []
    rest = list(args)
    while rest:
        head = rest[0]
        name, eq, value = head.partition("=")
        if name not in GLOBAL_OPTIONS:
            break
        if eq:
            leading += [name, value]
            rest.pop(0)
        elif len(rest) >= 2:
            leading += [name, rest[1]]
            del rest[:2]
        else:
            break
    return leading, rest


if __name__ == "__main__":
    sys.exit(main())
