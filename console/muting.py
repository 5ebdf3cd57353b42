"""Why an alert is muted, and which silences mute nothing: plain lines from the alerts and
silences the Alertmanager source already fetched, matched with `console.matchers`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from console.clock import format_span
from console.matchers import matchers_match
from console.model import Alert, Silence
from console.text import clean

#: how wide the silences view's window of recently expired silences can be, narrowest
#: first (Alertmanager keeps expired silences for its retention, 120 h by default)
EXPIRED_WINDOWS = (3600.0, 86400.0, 5 * 86400.0)
#: the window the view opens with (amtool `silence query --expired --within 24h`)
DEFAULT_EXPIRED_WINDOW = 86400.0
#: labels that say which one of an alert it is, when the inhibitor shares none
_IDENTITY = ("service", "instance", "job", "namespace", "pod")


@dataclass(frozen=True)
class MuteReason:
    """One line of "why is this muted", and what the copy key takes from it."""

    text: str
    #: the whole silence id or alert fingerprint (the line may show a short form)
    copy: str


def short_id(silence_id: str) -> str:
    """The first block of a silence id (8 characters), as Alertmanager's UI shows it."""
    return clean(silence_id.split("-")[0][:8] or silence_id, 16)


def why_muted(
    alert: Alert, silences: Iterable[Silence], alerts: Iterable[Alert], now: float
) -> list[MuteReason]:
    """Each silence that mutes `alert` (author, comment, ends in) and each alert that
    inhibits it (name and key labels); an id or fingerprint the data does not hold is
    said to be missing, never dropped. Every text from Alertmanager is cleaned."""
    by_id = {s.id: s for s in silences}
    by_fingerprint = {a.fingerprint: a for a in alerts}
    reasons = [_silence_reason(sid, by_id.get(sid), now) for sid in alert.silenced_by]
    reasons += [_inhibitor_reason(fp, by_fingerprint.get(fp), alert) for fp in alert.inhibited_by]
    if not reasons and alert.state == "suppressed":
        reasons.append(
            MuteReason(
                "Alertmanager marks it suppressed but names no silence or inhibiting alert", ""
            )
        )
    return reasons


def _silence_reason(silence_id: str, silence: Silence | None, now: float) -> MuteReason:
    if silence is None:
        return MuteReason(
            f"Silence {short_id(silence_id)} (not among the silences Alertmanager returned)",
            silence_id,
        )
    left = silence.ends_at - now
    ends = f"ends in {format_span(left)}" if left > 0 else f"ended {format_span(-left)} ago"
    author = clean(silence.created_by, 60) or "no author"
    comment = clean(silence.comment, 400) or "no comment"
    return MuteReason(f"Silence {short_id(silence.id)} by {author}, {ends}: {comment}", silence.id)


def _inhibitor_reason(fingerprint: str, source: Alert | None, target: Alert) -> MuteReason:
    if source is None:
        return MuteReason(
            f"Inhibited by alert {clean(fingerprint, 40)} (not in the current list)", fingerprint
        )
    labels = source.label_map
    mine = target.label_map
    shared = [
        n for n, v in source.labels if n not in ("alertname", "severity") and mine.get(n) == v
    ]
    keys = shared or [n for n in _IDENTITY if n in labels]
    pairs = ", ".join(f'{clean(n, 40)}="{clean(labels[n], 80)}"' for n in keys[:4])
    if len(keys) > 4:
        pairs += f" (+{len(keys) - 4} more)"
    name = clean(source.name, 100) or "an alert without a name"
    text = f"Inhibited by {name} ({clean(source.severity, 20)}, {source.display_state})"
    return MuteReason(f"{text}: {pairs}" if pairs else text, fingerprint)


def matched_alerts(silence: Silence, alerts: Iterable[Alert]) -> list[Alert]:
    """The alerts `silence`'s matchers catch, as Alertmanager decides it."""
    return [a for a in alerts if matchers_match(silence.matchers, a.label_map)]


def recently_expired(silences: Iterable[Silence], now: float, within: float) -> list[Silence]:
    """Silences that ended within `within` seconds before `now`, the latest first."""
    found = [s for s in silences if s.state == "expired" and now - s.ends_at <= within]
    return sorted(found, key=lambda s: (-s.ends_at, s.id))


def window_label(seconds: float) -> str:
    """A window as amtool's `--within` writes it: 1h, 24h, 5d."""
    return f"{int(seconds // 3600)}h" if seconds < 2 * 86400 else format_span(seconds)


def next_window(current: float, windows: Sequence[float] = EXPIRED_WINDOWS) -> float:
    """The next wider window, and after the widest the narrowest again."""
    wider = [w for w in windows if w > current]
    return wider[0] if wider else windows[0]
