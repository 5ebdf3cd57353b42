"""The footer: the keys that matter most, each label whole, and `?` always among them."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Footer

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


class FooterKey(Widget):
    """One key and its description in the footer: Textual's own FooterKey (MIT), which
    its public API does not export; the Footer's CSS styles it by this name."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "footer-key--key",
        "footer-key--description",
    }

    DEFAULT_CSS = """
    FooterKey {
        width: auto;
        height: 1;
        text-wrap: nowrap;
        background: $footer-item-background;
        .footer-key--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
            padding: 0 1;
        }

        .footer-key--description {
            padding: 0 1 0 0;
            color: $footer-description-foreground;
            background: $footer-description-background;
        }

        &:hover {
            pointer: pointer;
            color: $footer-key-foreground;
            background: $block-hover-background;
        }

        &.-disabled {
            text-style: dim;
        }

        &.-compact {
            .footer-key--key {
                padding: 0;
            }
            .footer-key--description {
                padding: 0 0 0 1;
            }
        }
    }
    """

    compact = reactive(True)
    """Display compact style."""

    def __init__(
        self,
        key: str,
        key_display: str,
        description: str,
        action: str,
        disabled: bool = False,
        tooltip: str = "",
        classes: str = "",
    ) -> None:
        self.key = key
        self.key_display = key_display
        self.description = description
        self.action = action
        self._disabled = disabled
        if disabled:
            classes += " -disabled"
        super().__init__(classes=classes)
        self.set_reactive(Widget.shrink, False)
        if tooltip:
            self.tooltip = tooltip

    def render(self) -> Text:
        key_style = self.get_component_rich_style("footer-key--key")
        description_style = self.get_component_rich_style("footer-key--description")
        key_display = self.key_display
        key_padding = self.get_component_styles("footer-key--key").padding
        description_padding = self.get_component_styles("footer-key--description").padding

        description = self.description
        if description:
            label_text = Text.assemble(
                (
                    " " * key_padding.left + key_display + " " * key_padding.right,
                    key_style,
                ),
                (
                    " " * description_padding.left + description + " " * description_padding.right,
                    description_style,
                ),
            )
        else:
            label_text = Text.assemble((key_display, key_style))

        label_text.stylize_before(self.rich_style)
        return label_text

    def on_mouse_down(self) -> None:
        if self._disabled:
            self.app.bell()
        else:
            self.app.simulate_key(self.key)

    def _watch_compact(self, compact: bool) -> None:
        self.set_class(compact, "-compact")


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
