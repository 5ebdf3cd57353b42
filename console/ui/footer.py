"""The footer: the keys that matter most, each label whole, and `?` always among them."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

#: binding ids by how much a person needs to see them; `help` lists everything else
PRIORITY = (
    "help",
    "quit",
    "restart",
    "silence",
    "escalate",
    "zoom",
    "timeline",
    "note",
    "silences",
    "filter",
    "ack",
    "maintenance",
    "cache_clear",
    "group",
)


def footer_width(key: str, description: str, compact: bool) -> int:
    """The cells one FooterKey takes (its paddings and margin, as Footer's CSS sets them)."""
    if compact:
        return cell_len(key) + 1 + cell_len(description) + 1
    return cell_len(key) + 2 + cell_len(description) + 1


def choose(items: list[tuple[str, str, str]], width: int, compact: bool) -> set[str]:
    """The binding ids (of `items`: id, key, description) to show in `width` cells:
    by PRIORITY, then the rest in order, each whole or not at all."""
    rank = {binding_id: n for n, binding_id in enumerate(PRIORITY)}
    ordered = sorted(range(len(items)), key=lambda n: (rank.get(items[n][0], len(PRIORITY)), n))
    chosen: set[str] = set()
    used = 0
    for n in ordered:
        binding_id, key, description = items[n]
        need = footer_width(key, description, compact)
        if used + need <= width:
            chosen.add(binding_id)
            used += need
    return chosen


class KeyFooter(Footer):
    """Footer that never cuts a label: at narrow widths it shows `?` and the most
    important keys that fit (compactly), and the help screen lists the rest."""

    #: below this width the footer drops paddings and the command palette key
    COMPACT_BELOW = 120

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._width = 0

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        width = self.app.size.width
        self._width = width
        compact = width < self.COMPACT_BELOW
        self.compact = compact
        shown = []
        seen_actions: set[str] = set()
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen_actions:
                continue
            seen_actions.add(binding.action)
            shown.append((binding, enabled, tooltip))
        palette = None
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            palette = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        items = [
            (b.id or b.action, self.app.get_key_display(b), b.description) for b, _, _ in shown
        ]
        room = width - 1
        palette_cells = 0
        if palette is not None:
            _node, binding, _enabled, _tooltip = palette
            palette_cells = (
                footer_width(self.app.get_key_display(binding), binding.description, False) + 2
            )
        everything = sum(footer_width(k, d, compact) for _, k, d in items)
        # wide: the palette key is always there (it reaches everything the footer leaves
        # out); narrow: only when every key fits beside it
        with_palette = palette is not None and (not compact or everything + palette_cells <= room)
        chosen = choose(items, room - (palette_cells if with_palette else 0), compact)
        for (binding, enabled, tooltip), (binding_id, key, description) in zip(
            shown, items, strict=True
        ):
            if binding_id not in chosen:
                continue
            yield FooterKey(
                binding.key,
                key,
                description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            ).data_bind(compact=Footer.compact)
        if with_palette and palette is not None:
            _node, binding, enabled, tooltip = palette
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                classes="-command-palette",
                disabled=not enabled,
                tooltip=binding.tooltip or binding.description,
            )

    def on_resize(self, event: events.Resize) -> None:
        if self._bindings_ready and self.app.size.width != self._width:
            self.call_after_refresh(self.recompose)
