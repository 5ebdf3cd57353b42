"""The base of every screen opened over the main one (a view, a prompt, a confirmation)."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

from console.ui.keymaps import DEFAULT_KEYS

ResultT = TypeVar("ResultT")


class Overlay(ModalScreen[ResultT]):
    """A modal screen that answers the quit keys too (the app's bindings do not reach a
    modal): they cancel it as Escape does, and a second press quits (`app.quit_key`).
    A screen's own binding for one of those keys (`q` closes a view) comes first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(DEFAULT_KEYS["quit"], "app.quit_key", "Quit", id="quit", show=False)
    ]
