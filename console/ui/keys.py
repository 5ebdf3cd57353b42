"""Keys of the app that are about the console itself rather than the stack: quitting
(q and ctrl+c), pausing the refresh and changing its interval, and a footer that shows
only what can run."""

from __future__ import annotations

import dataclasses

from textual.binding import Binding
from textual.screen import Screen

from console.ui.keymaps import DEFAULT_KEYS, split_keys

#: bindings that change the stack: hidden from the footer when actions are off
ACTION_IDS = ("restart", "cache_clear", "silence", "maintenance", "escalate")
#: the refresh intervals `<` and `>` step through, in seconds
INTERVALS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)


class ConsoleKeys:
    """A mixin of GenesisApp."""

    def quit_keys(self) -> list[str]:
        return split_keys(self.keymap_spec.get("quit", DEFAULT_KEYS["quit"]))

    def push_screen(self, screen, *args, **kwargs):
        """Every screen opened on top answers the quit keys too (ctrl+c): they cancel it
        as Escape does, and a second press quits (app bindings do not reach a modal)."""
        if isinstance(screen, Screen):
            for key in split_keys(DEFAULT_KEYS["quit"]):
                screen._bindings.key_to_bindings.setdefault(key, []).append(
                    Binding(key, "app.quit_key", "Quit", id="quit", show=False)
                )
        return super().push_screen(screen, *args, **kwargs)

    async def action_quit_key(self) -> None:
        """q / ctrl+c: cancel the prompt or close the view on top first (as Escape);
        on the main screen, quit. A text selection is copied before this is reached."""
        if len(self.screen_stack) <= 1:
            await self.action_quit()
            return
        screen = self.screen
        for binding in screen._bindings.key_to_bindings.get("escape", ()):
            if await self.run_action(binding.action, screen):
                return
        screen.dismiss(None)

    async def action_help_quit(self) -> None:
        """Textual's ctrl+c hint ("press ctrl+q to quit"), unless the keymap gives ctrl+c
        to quit: then it quits, as on any console."""
        if "ctrl+c" in self.quit_keys():
            await self.action_quit_key()
        else:
            super().action_help_quit()

    def show_what_can_run(self) -> None:
        """In read-only, the footer leaves out the actions that cannot run; quit keeps its
        place after the actions (Textual's own ctrl+c binding sits first)."""
        bindings_map = self._bindings.key_to_bindings
        if "ctrl+c" in bindings_map:
            bindings_map["ctrl+c"] = bindings_map.pop("ctrl+c")
        for key, bindings in self._bindings.key_to_bindings.items():
            self._bindings.key_to_bindings[key] = [
                dataclasses.replace(b, show=not self.read_only)
                if b.id in ACTION_IDS and b.show != (not self.read_only)
                else b
                for b in bindings
            ]
        self.refresh_bindings()

    # -- refresh: pause (htop's Z) and interval ------------------------------------

    @property
    def paused(self) -> bool:
        return self.poller is not None and self.poller.paused

    def refresh_note(self) -> str:
        if self.paused:
            return "PAUSED"
        interval = self.poller.interval if self.poller else self.config.refresh_seconds
        if interval != self.config.refresh_seconds:
            return f"every {interval:g}s"
        return ""

    def action_pause(self) -> None:
        if self.poller is None:
            return
        self.poller.pause(not self.poller.paused)
        if self.poller.paused:
            key = self.keymap_spec.get("pause", DEFAULT_KEYS["pause"]).split(",")[0]
            self.notify(f"Refresh paused: what you see stays as it is ({key} resumes)")
        else:
            self.notify(f"Refresh resumed, every {self.poller.interval:g}s")
        self.tick()

    def action_refresh_interval(self, step: int) -> None:
        if self.poller is None:
            return
        now = self.poller.interval
        if step > 0:
            interval = next((i for i in INTERVALS if i > now), INTERVALS[-1])
        else:
            interval = next((i for i in reversed(INTERVALS) if i < now), INTERVALS[0])
        self.poller.set_interval(interval)
        self.notify(f"Refreshing every {interval:g}s" + (" (paused)" if self.paused else ""))
        self.tick()
