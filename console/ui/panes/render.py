"""Small text renderers shared by panes: sparklines, bars, status words."""

from __future__ import annotations

import math
from collections.abc import Iterable

from rich.text import Text

BLOCKS = "▁▂▃▄▅▆▇█"

STATUS_WORDS = {
    "ok": ("●", "OK", "status-ok"),
    "warning": ("▲", "WARN", "status-at-risk"),
    "at_risk": ("▲", "AT RISK", "status-at-risk"),
    "critical": ("✖", "CRIT", "status-breached"),
    "breached": ("✖", "BREACHED", "status-breached"),
    "unknown": ("?", "UNKNOWN", "status-unknown"),
    "none": ("–", "NONE YET", "status-stale"),
    # an incident still open: never OK, and says so once past its recovery target
    "open": ("◷", "OPEN", "status-at-risk"),
    "overdue": ("◷", "OVER TARGET", "status-breached"),
}


def sparkline(values: Iterable[float | None], width: int = 12) -> str:
    """A block-character sparkline of the last `width` values (gaps for missing ones)."""
    recent = list(values)[-width:]
    finite = [v for v in recent if v is not None and math.isfinite(v)]
    if not finite:
        return ""
    low, high = min(finite), max(finite)
    span = high - low
    out = []
    for v in recent:
        if v is None or not math.isfinite(v):
            out.append(" ")
        elif span <= 0:
            out.append(BLOCKS[3])
        else:
            out.append(BLOCKS[min(7, int((v - low) / span * 7.999))])
    return "".join(out)


def status_text(status: str, colours: dict[str, str], word: bool = True) -> Text:
    """A status as symbol (never colour alone) and word, in its theme colour."""
    symbol, label, variable = STATUS_WORDS.get(status, STATUS_WORDS["unknown"])
    return Text(f"{symbol} {label}" if word else symbol, style=f"bold {colours.get(variable, '')}")


def bar(percent: float, width: int, colour: str) -> Text:
    """A horizontal usage bar."""
    percent = max(0.0, min(100.0, percent))
    filled = round(percent / 100 * width)
    text = Text("█" * filled, style=colour)
    text.append("░" * (width - filled), style="dim")
    return text
