"""The major version of the Textual that is imported, read without importlib.metadata.

`importlib.metadata.version("textual")` cost ~30 ms before the first frame on a 2-core
machine (its import, with zipfile and email, then a scan of every sys.path entry; issue
13: first paint). The installed package's `textual-X.Y.Z.dist-info` folder lies beside
the `textual` package that was imported, and its name carries the version: the same
record importlib.metadata reads, for the very copy in use.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_DIST_INFO = re.compile(r"textual-(\d+)\.[^-]*\.dist-info")


def textual_major() -> int | None:
    """Textual's major version, or None when no dist-info says (then the caller assumes
    nothing about it)."""
    import textual

    site = Path(textual.__file__).resolve().parent.parent
    try:
        names = os.listdir(site)
    except OSError:
        return None
    majors = {int(m.group(1)) for name in names if (m := _DIST_INFO.fullmatch(name))}
    return majors.pop() if len(majors) == 1 else None
