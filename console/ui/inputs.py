"""The console's text fields: a steady cursor, no blinking (issue 13).

Textual's Input blinks its cursor twice a second, which is a redraw and a write to the
terminal twice a second for as long as a confirmation, the filter line or a form waits
for the user (over SSH, in every tmux window of the war room). The cursor stays a steady
reverse-video cell instead, as in k9s's prompt; every field of the console is one.
"""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Input


class SteadyInput(Input):
    """An Input whose cursor does not blink."""

    cursor_blink = reactive(False, init=False)
