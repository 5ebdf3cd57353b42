"""Untrusted text (Alertmanager labels, server replies) made safe to show, and URL
passwords kept out of everything shown or stored."""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: characters a terminal obeys or hides rather than shows: bidi overrides and isolates
#: (U+202A-202E, U+2066-2069, marks), zero-width ones, the line and paragraph separators,
#: interlinear annotation marks, and lone surrogates (which cannot even be encoded)
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


#: a URL scheme (`http://`, `redis://`, `rediss://`), not preceded by another scheme letter
_SCHEME = re.compile(r"(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]*://")
_WHITESPACE = re.compile(r"\s")
#: where a URL's authority (`user:password@host:port`) ends
_AUTHORITY_END = re.compile(r"[/?#]")
#: what the password in a URL's user info is shown as
MASK = "***"


def _masked(userinfo: str) -> str:
    """`user:password` as `user:***`; user info without a colon (`token@host`: a token
    passed as the user name) as `***`; empty parts stay empty."""
    user, colon, password = userinfo.partition(":")
    if colon:
        return f"{user}:{MASK}" if password else userinfo
    return MASK if userinfo else userinfo


def redact(text: str) -> str:
    """`text` with the user info of every URL in it masked: `scheme://user:pass@host` reads
    `scheme://user:***@host`, `scheme://token@host` reads `scheme://***@host`.

    Any `scheme://` starts a URL, wherever it is in the text, so several URLs in one
    sentence, an `@` in the password (the user info ends at the authority's last `@`)
    and IPv6 hosts are all covered. A password holding `/`, `?` or `#` (which a URL
    cannot carry unescaped) is masked up to the last `@` before the next space. Text
    without user info comes back unchanged, and masking twice changes nothing.
    """
    if "://" not in text:
        return text
    out: list[str] = []
    pos = run_end = 0
    while True:
        found = _SCHEME.search(text, pos)
        if found is None:
            break
        start = found.end()
        if run_end < start:  # the next space, found once per run of non-space characters
            space = _WHITESPACE.search(text, start)
            run_end = space.start() if space else len(text)
        following = _SCHEME.search(text, start, run_end)
        limit = following.start() if following else run_end
        end = _AUTHORITY_END.search(text, start, limit)
        authority_end = end.start() if end else limit
        at = text.rfind("@", start, authority_end)
        if at < 0 and end is not None:
            # `user:pa/ss@host`: what precedes the `/` is no host[:port], so the user info
            # runs on to an `@` further along
            head = text[start:authority_end]
            user, colon, port = head.partition(":")
            if colon and not head.startswith("[") and not port.isdigit():
                at = text.rfind("@", start, limit)
        out.append(text[pos:start])
        if at >= 0:
            out.append(_masked(text[start:at]))
            pos = at
        else:
            pos = start
    out.append(text[pos:])
    return "".join(out)


def redact_data(value: object) -> object:
    """JSON-like data (dicts, lists, tuples, strings) with `redact` applied to every string,
    keys included; other values are returned as they are."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_data(k): redact_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_data(v) for v in value)
    return value


def redact_record(record: dict[str, Any]) -> dict[str, Any]:
    """A JSON record (an audit record, a report) with `redact` applied to every string."""
    return {redact(key): redact_data(value) for key, value in record.items()}


def _visible(text: str) -> str:
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return _INVISIBLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def clean(value: object, limit: int = 500) -> str:
    """One line of literal text, length bounded: control characters shown as \\xNN,
    bidi overrides, zero-width characters and lone surrogates shown as <U+202E>, and
    URL passwords masked (`redact`, before the text is cut to `limit`)."""
    text = redact(str(value))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _visible(text)


def clean_lines(value: object, limit: int = 2000, max_lines: int = 12) -> str:
    """Like `clean`, but keeps line breaks (at most `max_lines` lines): for notifications."""
    text = redact(str(value))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    lines = text.replace("\r\n", "\n").replace("\t", " ").split("\n")
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [f"… {len(lines) - max_lines + 1} more lines"]
    return "\n".join(_visible(line) for line in lines)


def literal(value: object, limit: int = 500, style: str = "") -> Text:
    """A Rich Text that renders `value` literally: never parsed as markup."""
    return Text(clean(value, limit), style=style, no_wrap=True, overflow="ellipsis")
