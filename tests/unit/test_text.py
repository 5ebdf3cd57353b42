"""Untrusted text renders literally: no markup, no escapes, bounded length."""

from __future__ import annotations

from rich.console import Console

from console.text import clean, literal


def test_markup_is_not_interpreted():
    text = literal("[bold red]boom[/] $(touch /tmp/x)")
    assert text.plain == "[bold red]boom[/] $(touch /tmp/x)"
    assert not text.spans


def test_terminal_escapes_are_made_visible():
    assert clean("a\x1b[31mred\x07\x9b") == "a\\x1b[31mred\\x07\\x9b"


def test_newlines_fold_and_length_is_bounded():
    assert clean("a\nb\tc") == "a b c"
    long = clean("x" * 10_000, limit=100)
    assert len(long) == 100 and long.endswith("…")


def test_rendered_output_carries_no_escape_from_the_value():
    console = Console(record=True, width=80, color_system=None)
    console.print(literal("\x1b]0;pwned\x07title"))
    assert "\x1b]0" not in console.export_text()
