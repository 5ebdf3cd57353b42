"""Each alert's firing history over the last day, from Prometheus's `ALERTS` series.

Pure: the source (console/sources/alert_history.py) asks Prometheus once for every
firing `ALERTS` series over the window and hands the reply to `decode_history`; panes
and screens ask `AlertHistory.of(labels)` what one alert did. An alert is matched to a
series by labels: every label of the series (but `alertstate`) must be the alert's
(Alertmanager adds external labels the series lacks). No series means unknown, never
zero: another Prometheus, or no rule at all, may be what sends that alert.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import msgspec

#: how far back the history looks
WINDOW_SECONDS = 24 * 3600
#: one sample a minute: a firing (or a pause between two) shorter than this may be missed
STEP_SECONDS = 60
#: the sparkline's cells: 48 of 30 minutes each
SPARK_CELLS = 48
#: the PromQL: was each alert firing at any moment of each step (`max_over_time` catches
#: a firing shorter than a step that a plain range query would step over)
QUERY = f'max_over_time(ALERTS{{alertstate="firing"}}[{STEP_SECONDS}s])'

#: labels of an ALERTS series that say nothing about which alert it is
_NOT_IDENTITY = ("__name__", "alertstate")


@dataclass(frozen=True)
class Series:
    """One firing ALERTS series: its identifying labels and when it was firing."""

    labels: tuple[tuple[str, str], ...]
    #: (first, last) sample times of each unbroken run of firing, oldest first
    spans: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Firings:
    """What one alert did in the window, or why that is unknown (`count` None)."""

    count: int | None
    reason: str = ""
    #: it was already firing when the window began (that firing is not counted)
    already: bool = False
    spans: tuple[tuple[float, float], ...] = ()
    start: float = 0.0
    end: float = 0.0
    step: float = STEP_SECONDS

    @property
    def known(self) -> bool:
        return self.count is not None

    def cell(self) -> str:
        """The Alerts pane's cell, three characters at most: `6×`, `99+`, or `?` unknown."""
        if self.count is None:
            return "?"
        return f"{self.count}×" if self.count < 100 else "99+"

    def sentence(self) -> str:
        """`fired 6× in 24 h`, or `history unknown: why`."""
        if self.count is None:
            return f"history unknown: {self.reason}" if self.reason else "history unknown"
        hours = round((self.end - self.start) / 3600)
        text = f"fired {self.count}× in {hours} h"
        if self.already:
            text += " (and already firing when the window began)"
        return text

    def firing_seconds(self) -> float:
        """How long it fired in the window (each sample counts for one step)."""
        return sum(last - first + self.step for first, last in self.spans)

    def cells(self, width: int = SPARK_CELLS) -> list[float]:
        """The share of each of `width` equal slices of the window it was firing."""
        span = (self.end - self.start) / width
        shares = [0.0] * width
        if span <= 0:
            return shares
        for first, last in self.spans:
            # a sample at t stands for the step (t - step, t]
            low, high = max(self.start, first - self.step), min(self.end, last)
            cell = max(0, int((low - self.start) // span))
            while cell < width and low < high:
                cut = min(high, self.start + (cell + 1) * span)
                shares[cell] += (cut - low) / span
                low = cut
                cell += 1
        return [min(1.0, s) for s in shares]

    def sparkline(self, width: int = SPARK_CELLS) -> str:
        """One character a slice, oldest left: `·` quiet, ▁ to █ the share it fired."""
        if self.count is None:
            return "?" * width
        blocks = "▁▂▃▄▅▆▇█"
        return "".join(
            "·" if share <= 0 else blocks[min(7, math.ceil(share * 8) - 1)]
            for share in self.cells(width)
        )


#: not asked yet, or the first answer has not come
NOT_READ = Firings(None, "not read from Prometheus yet")


@dataclass(frozen=True)
class AlertHistory:
    """Every firing ALERTS series of one Prometheus over the window, by alert name."""

    start: float
    end: float
    step: float
    by_name: dict[str, tuple[Series, ...]] = field(default_factory=dict)
    #: why the reply is only the beginning of a longer one ("" when whole): an alert
    #: with no series in what was read is then unknown, not "no series"
    cut: str = ""
    #: how many series were read
    series: int = 0

    def of(self, labels: Iterable[tuple[str, str]]) -> Firings:
        """The firings of the alert with these (Alertmanager) labels."""
        alert = dict(labels)
        candidates = [
            s
            for s in self.by_name.get(alert.get("alertname", ""), ())
            if all(alert.get(k) == v for k, v in s.labels)
        ]
        if not candidates:
            if self.cut:
                reason = f"the history reply was cut ({self.cut}) before its series"
            else:
                reason = (
                    "no ALERTS series for it in this Prometheus "
                    "(another Prometheus, or no rule of this one, sends it)"
                )
            return Firings(None, reason, start=self.start, end=self.end, step=self.step)
        # the series that names the most of its labels is this alert's
        most = max(len(s.labels) for s in candidates)
        spans = sorted(sp for s in candidates if len(s.labels) == most for sp in s.spans)
        spans = _merge(spans, self.step)
        already = bool(spans) and spans[0][0] <= self.start + self.step / 2
        return Firings(
            len(spans) - already,
            already=already,
            spans=tuple(spans),
            start=self.start,
            end=self.end,
            step=self.step,
        )


def _merge(spans: list[tuple[float, float]], step: float) -> list[tuple[float, float]]:
    """Runs of samples no more than a step apart are one firing."""
    merged: list[tuple[float, float]] = []
    for first, last in spans:
        if merged and first - merged[-1][1] <= step * 1.5:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def spans_of(stamps: Iterable[float], step: float) -> tuple[tuple[float, float], ...]:
    """Unbroken runs of sample times (a missing step ends a run)."""
    return tuple(_merge([(t, t) for t in sorted(stamps)], step))


class HistoryError(Exception):
    """A reply that is not a history (not JSON, not a matrix, an error status)."""


class _Series(msgspec.Struct):
    metric: dict[str, str]
    values: list[tuple[float, str]]


class _Data(msgspec.Struct):
    resultType: str  # noqa: N815 - Prometheus's name
    result: list[msgspec.Raw]


class _Reply(msgspec.Struct):
    status: str
    data: _Data | None = None
    error: str = ""


_RESULT = re.compile(rb'"result"\s*:\s*\[')


def decode_history(
    body: bytes, start: float, end: float, step: float, cut: str = ""
) -> AlertHistory:
    """The history in a `query_range` reply (`cut`: why the body is only its beginning).

    Blocking work for a thread: a day of minutes for hundreds of alerts is megabytes.
    A series that does not decode is skipped; a body that is no matrix raises HistoryError.
    """
    from console.sources.alertmanager import complete_prefix

    if cut:
        found = _RESULT.search(body)
        if found is None:
            raise HistoryError(f"reply cut ({cut}) before any series")
        raws_body, _ = complete_prefix(body[found.end() - 1 :])
        try:
            raws = msgspec.json.decode(raws_body, type=list[msgspec.Raw])
        except msgspec.DecodeError as exc:
            raise HistoryError(f"reply cut ({cut}) and unreadable: {exc}") from None
    else:
        try:
            reply = msgspec.json.decode(body, type=_Reply)
        except msgspec.DecodeError as exc:
            raise HistoryError(f"malformed Prometheus reply: {exc}") from None
        if reply.status != "success" or reply.data is None:
            raise HistoryError(f"Prometheus said {reply.status}: {reply.error or 'no data'}")
        if reply.data.resultType != "matrix":
            raise HistoryError(f"Prometheus sent a {reply.data.resultType}, not a matrix")
        raws = reply.data.result
    decoder = msgspec.json.Decoder(_Series)
    by_name: dict[str, list[Series]] = {}
    count = 0
    for raw in raws:
        try:
            series = decoder.decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError):
            continue
        stamps = [t for t, v in series.values if v != "NaN" and start - step < t <= end]
        if not stamps:
            continue
        labels = tuple(sorted((k, v) for k, v in series.metric.items() if k not in _NOT_IDENTITY))
        name = series.metric.get("alertname", "")
        by_name.setdefault(name, []).append(Series(labels, spans_of(stamps, step)))
        count += 1
    return AlertHistory(
        start, end, step, {k: tuple(v) for k, v in by_name.items()}, cut=cut, series=count
    )
