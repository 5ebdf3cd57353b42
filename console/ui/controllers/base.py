"""What a controller may ask of the user interface: notify, ask (push a screen), spawn."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

from textual.notifications import SeverityLevel
from textual.screen import Screen

ResultT = TypeVar("ResultT")


class Notify(Protocol):
    """Show a toast (always literal text: the app never parses markup in one)."""

    def __call__(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None: ...


class Ask(Protocol):
    """Push a screen; `answered` gets what it is dismissed with."""

    def __call__(
        self, screen: Screen[ResultT], answered: Callable[[ResultT | None], None] | None = None
    ) -> object: ...


class Spawn(Protocol):
    """Run a coroutine as a worker of the app, in a named group."""

    def __call__(
        self, work: Coroutine[Any, Any, object], *, group: str, exit_on_error: bool = True
    ) -> object: ...
