"""The cycle collector while the console starts (issue 13: first paint).

Importing Textual and the console, building the config and composing the screen
allocate some 70,000 objects that live as long as the process. With the collector on,
CPython walked them about 170 times before the first frame (154 young, 14 middle and
one or two full collections: 60-100 ms on a 2-core machine) and found a few dozen
objects to free. `pause()` turns it off while a command starts; `resume()` turns it
back on: for the TUI once its first frame is on the screen, after one collection (the
startup's few thousand cyclic leftovers) and moving what is alive by then out of the
collector's way (`gc.freeze`: no later collection walks those objects again; they are
still freed by reference counting). Only a pause is resumed: an app run without one
(the tests) is left as it is.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Turn the cycle collector off for the start of a command."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume(*, freeze: bool = False) -> None:
    """Turn it back on after a `pause()` (safe to call again, and without a pause);
    `freeze`: collect once, then leave what is alive out of every later collection."""
    global _paused
    if _paused:
        _paused = False
        if freeze:
            gc.collect()
            gc.freeze()
        gc.enable()
