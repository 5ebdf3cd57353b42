"""Theme files: bundled `themes/*.yaml` plus the user's, validated with a precise message."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.theme import Theme

from pathlib import Path

import msgspec

from console import paths
from console.config import ConfigError, decode, load_yaml, read_file

#: the theme variables every pane takes its colours from, with fallbacks
VARIABLE_DEFAULTS = {
    "severity-critical": "#FF4D4F",
    "severity-warning": "#FFC53D",
    "severity-info": "#5FB3F9",
    "status-ok": "#3FD37A",
    "status-at-risk": "#FFC53D",
    "status-breached": "#FF4D4F",
    "status-stale": "#7A8294",
    "status-unknown": "#A78BFA",
    "production-cue": "#FF4D4F",
}


class ThemeFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The fields of Textual's Theme, plus `variables`."""

    name: str
    primary: str
    secondary: str | None = None
    warning: str | None = None
    error: str | None = None
    success: str | None = None
    accent: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    boost: str | None = None
    dark: bool = True
    luminosity_spread: float = 0.15
    text_alpha: float = 0.95
    variables: dict[str, str] = msgspec.field(default_factory=dict)


def theme_files() -> dict[str, Path]:
    """Every theme file by name; the user's folder overrides the bundled one."""
    return paths.named_files("themes")


def load_theme(path: Path) -> Theme:
    """Parse and check one theme file into a Textual Theme (ConfigError when broken)."""
    from textual.color import Color, ColorParseError
    from textual.theme import Theme

    file = str(path)
    text = read_file(path)
    data, lines = load_yaml(text, file)
    _reject_empty(data, lines, file)
    spec: ThemeFile = decode(data, ThemeFile, file, lines)
    colours = {
        k: getattr(spec, k)
        for k in (
            "primary",
            "secondary",
            "warning",
            "error",
            "success",
            "accent",
            "foreground",
            "background",
            "surface",
            "panel",
            "boost",
        )
    }
    for key, value in list(colours.items()) + [
        (f"variables.{k}", v) for k, v in spec.variables.items()
    ]:
        if value is None:
            continue
        if key.startswith("variables.") and key.split(".", 1)[1] not in VARIABLE_DEFAULTS:
            continue  # other variables may be any CSS value; Textual checks them
        try:
            Color.parse(value)
        except ColorParseError:
            raise ConfigError(
                file, f"not a colour: {value!r}", key, lines.get(tuple(key.split(".")))
            ) from None
    theme = Theme(
        name=spec.name,
        dark=spec.dark,
        luminosity_spread=spec.luminosity_spread,
        text_alpha=spec.text_alpha,
        variables={**VARIABLE_DEFAULTS, **spec.variables},
        **{k: v for k, v in colours.items() if v is not None},
    )
    try:
        theme.to_color_system()
    except Exception as exc:
        raise ConfigError(file, f"unusable theme: {exc}") from None
    return theme


def _reject_empty(data: object, lines: dict, file: str) -> None:
    """An empty value is almost always an unquoted #hex colour, which YAML reads as a comment."""
    if not isinstance(data, dict):
        return
    entries = [((key,), value) for key, value in data.items()]
    if isinstance(data.get("variables"), dict):
        entries += [(("variables", k), v) for k, v in data["variables"].items()]
    for key, value in entries:
        if value is None:
            raise ConfigError(
                file,
                "no value (an unquoted #hex colour is a YAML comment: quote it)",
                ".".join(map(str, key)),
                lines.get(key),
            )


def load_themes() -> dict[str, Theme]:
    """Every available theme by name (raises ConfigError for a broken file)."""
    return {name: load_theme(path) for name, path in theme_files().items()}
