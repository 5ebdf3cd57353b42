"""Keymap files: `binding_id: "key[,key]"`, bundled plus the user's, checked for conflicts."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from console import paths
from console.config import ConfigError, load_yaml, read_file

#: every binding the console declares, id → default keys (keymap files remap these)
DEFAULT_KEYS = {
    "restart": "r",
    "cache_clear": "c",
    "silence": "s",
    "maintenance": "m",
    "escalate": "e",
    "note": "n",
    "silences": "S",
    "filter": "slash",
    "timeline": "t",
    "checklist": "p",
    "help": "question_mark",
    "quit": "q,ctrl+c",
    "copy": "Y",
    "zoom": "z",
    "refresh": "ctrl+r",
    "pause": "Z",
    "refresh_faster": "left_square_bracket",
    "refresh_slower": "right_square_bracket",
    "command_palette": "ctrl+p",
    "focus_next": "tab",
    "focus_previous": "shift+tab",
    "nav_down": "j",
    "nav_up": "k",
    "nav_top": "home",
    "nav_bottom": "end",
    "ack": "a",
    "group": "g",
    "fold": "o",
    "sort_previous": "less_than_sign",
    "sort_next": "greater_than_sign",
    "label_columns": "L",
    "expired_window": "E",
    "silence_expire": "x",
    "silence_extend": "plus,equals_sign",
}

#: bindings that act only inside one view: their keys may repeat a main-screen key
#: (inside the view the view's binding wins) but not another key of the same view
SCOPES = {
    "silence_expire": "silences view",
    "silence_extend": "silences view",
    "expired_window": "silences view",
}

_KEY = re.compile(r"^[a-z0-9_+\-]+$|^.$")


def keymap_files() -> dict[str, Path]:
    """Every keymap file by name; the user's folder overrides the bundled one."""
    return paths.named_files("keymaps")


def parse_keymap(path: Path, known: dict[str, str] = DEFAULT_KEYS) -> dict[str, str]:
    """Read a keymap file against the known bindings (id → default keys).

    Returns the merged map id → keys. Raises ConfigError naming the unknown id, the
    unparseable key, or both bindings that share a key.
    """
    file = str(path)
    text = read_file(path)
    data, lines = load_yaml(text, file)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(file, 'a keymap is a mapping of binding_id: "key[,key]"', "", 1)
    merged = dict(known)
    for binding_id, keys in data.items():
        line = lines.get((binding_id,))
        if binding_id not in known:
            raise ConfigError(
                file,
                f"unknown binding id; known ids: {', '.join(sorted(known))}",
                str(binding_id),
                line,
            )
        if not isinstance(keys, str) or not keys.strip():
            raise ConfigError(
                file, 'keys must be a string like "r" or "ctrl+r,f5"', binding_id, line
            )
        for key in split_keys(keys):
            if not _KEY.match(key):
                raise ConfigError(file, f"cannot parse key {key!r}", binding_id, line)
        merged[binding_id] = ",".join(split_keys(keys))
    owner: dict[tuple[str, str], str] = {}
    for binding_id, keys in merged.items():
        scope = SCOPES.get(binding_id, "")
        for key in (normalise_key(k) for k in split_keys(keys)):
            if (scope, key) in owner:
                first = owner[(scope, key)]
                raise ConfigError(
                    file,
                    f"key {key!r} is bound twice: to {first!r} and to {binding_id!r}",
                    binding_id,
                    lines.get((binding_id,)) or lines.get((first,)),
                )
            owner[(scope, key)] = binding_id
    return merged


def normalise_key(key: str) -> str:
    """One name per key: `/` and `slash` are the same key (Textual's key names)."""
    if len(key) != 1:
        return key
    from textual.keys import ASCII_KEY_NAMES, KEY_NAME_REPLACEMENTS

    name = key
    if not key.isalnum():
        try:
            name = unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
        except ValueError:
            name = ASCII_KEY_NAMES.get(key, key)
    return KEY_NAME_REPLACEMENTS.get(name, name)


def split_keys(keys: str) -> list[str]:
    return [k.strip() for k in keys.split(",") if k.strip()]


def load_keymap(name: str, known: dict[str, str] = DEFAULT_KEYS) -> dict[str, str]:
    """The keymap called `name` merged over the defaults (ConfigError when bad or missing)."""
    files = keymap_files()
    if name not in files:
        raise ConfigError(
            f"keymap {name!r}", f"no such keymap; available: {', '.join(sorted(files))}"
        )
    return parse_keymap(files[name], known)
