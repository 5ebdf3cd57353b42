"""argv → a command; no logic of its own beyond choosing and reporting."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

#: every command, with the one line its `--help` and the command list show
COMMANDS = {
    "demo": "the console against a built-in simulated GENESIS stack (needs nothing installed)",
    "check": "every probe once, then exit with the monitoring-plugin code",
    "validate": "check a config, theme or keymap file; every error, with its line",
    "timeline": "the war-room timeline (alerts, actions, notes) for a post-mortem",
    "init": "write a commented config with every key and its default",
    "report": "the SLA report over the last N days (availability, budget, incidents)",
}
#: the commands that open the TUI: the cycle collector resumes at their first frame
TUI_COMMANDS = ("run", "demo")
#: options that take a value and may come before or after the command
GLOBAL_OPTIONS = ("--config", "--env", "--theme", "--keymap")
#: options without a value that may come before or after the command
GLOBAL_FLAGS = ("--read-only",)

COMMAND_EPILOGS = {
    "check": """exit codes (the monitoring-plugin convention):
  0  OK        every check ok and no firing warning or critical alert
  1  WARNING   a check warns, or a warning alert fires
  2  CRITICAL  a check is critical, or a critical alert fires (also: a config error)
  3  UNKNOWN   something could not be read (e.g. no Alertmanager answered)""",
    "validate": """the kind (config, theme or keymap) is told from the file's content; --kind
overrides it. Every error is listed as FILE:LINE: key: what is wrong.
exit codes: 0 valid, 2 invalid""",
    "timeline": """durations: 90s, 5m, 2h, 1d, 1w (and sums such as 1d12h); times: ISO 8601
such as 2026-12-02T03:00Z (UTC unless a zone is given).
exit codes: 0; 2 on a bad --since/--until or a config error""",
    "demo": """--config takes only the look and feel from the file (theme, keymap,
read_only, notifications); its URLs, audit path and war room are ignored, so the
demo never touches a real stack.
exit code: 0""",
    "init": "exit codes: 0 written; 2 if the file exists or cannot be written",
    "report": """exit codes: 0 the window met its SLA, 1 at risk, 2 breached, 3 unknown
(Prometheus could not be read)""",
}


def commands_text() -> str:
    width = max(map(len, COMMANDS))
    return "commands:\n" + "\n".join(
        f"  {name:<{width}}  {what}" for name, what in COMMANDS.items()
    )


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
        description="War-room console for the GENESIS Orchestrator. Without a command: "
        "the console against the configured stack.",
        epilog=commands_text() + "\n\ngenesis-console COMMAND --help describes one; "
        "the options above may come before or after the command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"genesis-console {__version__}")
    _config_options(parser)
    _ui_options(parser)
    return parser


def build_command_parser(command: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"genesis-console {command}",
        description=COMMANDS[command][0].upper() + COMMANDS[command][1:] + ".",
        epilog=COMMAND_EPILOGS.get(command),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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
        parser.add_argument(
            "--config", help="a config file to take the theme, keymap and read_only from"
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
            help="how far back (90s, 5m, 2h, 1d, 1w; default 2h) or a time (2026-12-02T03:00Z)",
        )
        parser.add_argument(
            "--until",
            help="end of the window: a time (2026-12-02T05:00Z) or how long ago (30m, 1d, 1w); "
            "default now",
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
    from console import startup

    startup.pause()  # until the TUI's first frame, or the command's own work (startup.py)
    from console.config import ConfigError

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        leading, rest = split_leading_options(args)
        if rest and rest[0] in COMMANDS:
            command = rest.pop(0)
            parser = build_command_parser(command)
            known = {a for action in parser._actions for a in action.option_strings}
            for option in leading:
                if option.startswith("--") and option not in known:
                    parser.error(f"{option} does not apply to `{command}`")
            # the command's own options win over those given before it
            options = parser.parse_args(leading + rest)
        elif rest and not rest[0].startswith("-"):
            return unknown_command(rest[0])
        else:
            command = "run"
            options = build_parser().parse_args(args)
        from console import commands

        run: Callable[[argparse.Namespace], int] = getattr(commands, command)
        if command not in TUI_COMMANDS:
            startup.resume()
        return run(options)
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
    finally:
        startup.resume()  # (a TUI that stopped before its first frame)


def unknown_command(word: str) -> int:
    """`genesis-console chek`: say so, suggest the nearest command, list them all."""
    import difflib

    from console.text import clean

    near = difflib.get_close_matches(word, list(COMMANDS), n=1, cutoff=0.5)
    hint = f" (did you mean {near[0]}?)" if near else ""
    print(
        f"genesis-console: unknown command {clean(word, 60)!r}{hint}\n{commands_text()}\n"
        "(genesis-console --help for the options)",
        file=sys.stderr,
    )
    return 2


def split_leading_options(args: list[str]) -> tuple[list[str], list[str]]:
    """`--config P --read-only check ...` → (["--config", P, "--read-only"], ["check", ...]):
    the global options given before the command, and the rest."""
    leading: list[str] = []
    rest = list(args)
    while rest:
        head = rest[0]
        name, eq, value = head.partition("=")
        if name in GLOBAL_FLAGS and not eq:
            leading.append(name)
            rest.pop(0)
        elif name not in GLOBAL_OPTIONS:
            break
        elif eq:
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
