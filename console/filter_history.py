"""The alert filters used last, remembered per environment under $XDG_STATE_HOME.

A convenience: a file that cannot be read or written is an empty history, never an
error on screen. Only the filter text is kept (what the engineer typed, no alert data).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from console import paths

#: how many filters are remembered
KEEP = 20
#: the longest filter remembered
MAX_CHARS = 1000


def history_file(env: str | None) -> Path:
    return paths.default_filters_file(env)


def load(env: str | None) -> list[str]:
    """The filters used last in this environment, newest first."""
    try:
        data = json.loads(history_file(env).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, list):
        return []
    return [f for f in data if isinstance(f, str) and f.strip() and len(f) <= MAX_CHARS][:KEEP]


def remember(env: str | None, text: str) -> list[str]:
    """Put `text` first in this environment's history (once); the history after."""
    text = text.strip()
    history = load(env)
    if not text or len(text) > MAX_CHARS:
        return history
    history = [text, *(f for f in history if f != text)][:KEEP]
    path = history_file(env)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(history, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        pass
    return history
