"""What Textual writes to the terminal for a partial update: only the cells that changed.

Textual redraws a changed region of a widget by writing, on each line, from the left
edge of the widget to the end of the region (`ChopsUpdate.render_segments` crops only
the end). A header whose clock moved one digit was written whole, and a table cell at
the right of a row wrote the whole row. `render_segments` here also skips the segments
that lie wholly left of the region, so the terminal receives the changed cells (from
the start of their styled run) and nothing before them (issue 13). A segment is never
cut on the left, so a wide character is never split.

`install()` puts it in place of Textual's; console.ui installs it on import.
"""

from __future__ import annotations

from rich.console import Console
from rich.control import Control
from textual._compositor import ChopsUpdate


def render_segments(self: ChopsUpdate, console: Console) -> str:
    """ChopsUpdate.render_segments (Textual 8.2), cropping each line's start as well."""
    sequences: list[str] = []
    append = sequences.append
    move_to = Control.move_to
    chops = self.chops
    chop_ends = self.chop_ends
    last_y = self.spans[-1][0]

    for y, x1, x2 in self.spans:
        line = chops[y]
        ends = chop_ends[y]
        for end, (x, strip) in zip(ends, line.items(), strict=False):
            if strip is None:
                continue
            if x > x2 or end <= x1:
                continue
            if x2 > x >= x1 and end <= x2:
                append(move_to(x, y).segment.text)
                append(strip.render(console))
                continue
            start = x
            if x < x1:
                # skip whole segments left of the region (never cut one: wide characters)
                for segment in strip:
                    width = segment.cell_length
                    if start + width > x1:
                        break
                    start += width
            strip = strip.crop(start - x, min(end, x2) - x)
            append(move_to(start, y).segment.text)
            append(strip.render(console))

        if y != last_y:
            append("\n")

    return "".join(sequences)


def install() -> bool:
    """Use `render_segments` for Textual's partial updates, on the Textual it was written
    for (8.x, whose ChopsUpdate has chops, chop_ends and spans); any other Textual keeps
    its own, which is correct, only wordier. True when installed."""
    from console.ui.textual_version import textual_major

    major = textual_major()
    if major != 8 or not hasattr(ChopsUpdate, "render_segments"):
        return False
    ChopsUpdate.render_segments = render_segments  # type: ignore[method-assign]
    return True
