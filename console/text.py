"""Untrusted text (Alertmanager labels, server replies) made safe to show."""

from __future__ import annotations

import re

from rich.text import Text

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: characters a terminal obeys or hides rather than shows: bidi overrides and isolates
#: (U+202A-202E, U+2066-2069, marks), zero-width ones, the line and paragraph separators,
#: interlinear annotation marks, and lone surrogates (which cannot even be encoded)
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


def _visible(text: str) -> str:
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return _INVISIBLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def clean(value: object, limit: int = 500) -> str:
    """One line of literal text, length bounded: control characters shown as \\xNN,
    bidi overrides, zero-width characters and lone surrogates shown as <U+202E>."""
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _visible(text)


def clean_lines(value: object, limit: int = 2000, max_lines: int = 12) -> str:
    """Like `clean`, but keeps line breaks (at most `max_lines` lines): for notifications."""
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    lines = text.replace("\r\n", "\n").replace("\t", " ").split("\n")
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [f"… {len(lines) - max_lines + 1} more lines"]
    return "\n".join(_visible(line) for line in lines)


def literal(value: object, limit: int = 500, style: str = "") -> Text:
    """A Rich Text that renders `value` literally: never parsed as markup."""
    return Text(clean(value, limit), style=style, no_wrap=True, overflow="ellipsis")
