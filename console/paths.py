"""Every location the console reads or writes: XDG folders and bundled files."""

from __future__ import annotations

import os
from pathlib import Path

APP = "genesis-console"
_PACKAGE = Path(__file__).resolve().parent


def config_home() -> Path:
    """$XDG_CONFIG_HOME/genesis-console (default ~/.config/genesis-console)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / APP


def state_home() -> Path:
    """$XDG_STATE_HOME/genesis-console (default ~/.local/state/genesis-console)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / APP


def default_config_file() -> Path:
    """Where the config is looked for when neither --config nor the env var is given."""
    return config_home() / "config.yaml"


def config_file(explicit: str | None) -> Path | None:
    """The config file to load: --config, else $GENESIS_CONSOLE_CONFIG, else XDG (if present)."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("GENESIS_CONSOLE_CONFIG")
    if env:
        return Path(env).expanduser()
    default = default_config_file()
    return default if default.exists() else None


def bundled_dir(kind: str) -> Path:
    """A bundled folder (themes, keymaps, runbooks): in the wheel, or at the repo root."""
    inside = _PACKAGE / "_bundled" / kind
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / kind


def user_dir(kind: str) -> Path:
    """The user's folder of the same kind, which adds to or overrides the bundled one."""
    return config_home() / kind


def named_files(kind: str, suffix: str = ".yaml") -> dict[str, Path]:
    """Every file of a kind by name (stem): the user's folder overrides the bundled one."""
    found: dict[str, Path] = {}
    for folder in (bundled_dir(kind), user_dir(kind)):
        if folder.is_dir():
            for file in sorted(folder.glob(f"*{suffix}")):
                found[file.stem] = file
    return found


def default_audit_file(env: str | None = None) -> Path:
    """The audit log: `audit.jsonl`, or `audit-<env>.jsonl` for an environment of a
    config with `environments:`."""
    return state_home() / ("audit.jsonl" if env is None else f"audit-{env}.jsonl")


def default_timeline_file(env: str | None = None) -> Path:
    """The local war-room timeline: `timeline.jsonl`, or `timeline-<env>.jsonl`."""
    return state_home() / ("timeline.jsonl" if env is None else f"timeline-{env}.jsonl")


def warroom_prefix(env: str | None = None) -> str:
    """The prefix of every war-room Redis key: `genesis-console:`, or
    `genesis-console:env:<env>:` for an environment, so environments sharing one Redis
    never share a timeline stream, presence or action locks."""
    return "genesis-console:" if env is None else f"genesis-console:env:{env}:"


def default_filters_file(env: str | None = None) -> Path:
    """The alert filters used last: `filters.json`, or `filters-<env>.json`."""
    return state_home() / ("filters.json" if env is None else f"filters-{env}.json")
