"""Alertmanager's matchers, and the alert filter language built on them.

One place decides whether a matcher matches, as Alertmanager 0.25 decides it
(pkg/labels/parse.go and matcher.go): the filter line, `check --filter`, the silence
form's preview and the silences view all ask here.

- A missing label is the empty string.
- `=~` and `!~` are Go RE2 patterns anchored at both ends (`^(?:v)$`), without DOTALL:
  `.` does not cross a newline. Python's `re` runs them; what RE2 refuses (lookaround,
  backreferences, atomic groups, possessive quantifiers) is refused here with a sentence,
  so a filter never matches what the same silence would not.
- Quoted values unescape `\\"`, `\\\\` and `\\n`; any other backslash stays (`"a\\.b"` is
  the regex `a\\.b`).

The filter language: Alertmanager matchers (`alertname=~"High.*"`, `severity!="info"`,
`{instance="a", job="x"}`), plus `@state=active|silenced|inhibited|acked`, `@age>15m`
(also `<`, `>=`, `<=`), `@alertmanager=NAME`, `@receiver=NAME` (both also `!=`, `=~`,
`!~`), and bare words (or "quoted phrases") found in the alert's name or summary,
case-insensitively. Every term must hold. A bad expression raises FilterError, whose
text is one sentence.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from console.model import Alert, Silence

if TYPE_CHECKING:
    from console.config import Config

#: the comment an acknowledgement's silence starts with (CONTRACT.md)
ACK_PREFIX = "ACK by "

STATES = ("active", "silenced", "inhibited", "acked", "unprocessed")
FIELDS = ("@state", "@age", "@alertmanager", "@receiver")


class FilterError(ValueError):
    """A filter or matcher that cannot be read; its text is one sentence for the user."""


# --- RE2 patterns -------------------------------------------------------------------

_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}

_REFUSED_GROUPS = (
    ("(?=", "RE2 does not support lookahead (?=...)"),
    ("(?!", "RE2 does not support negative lookahead (?!...)"),
    ("(?<=", "RE2 does not support lookbehind (?<=...)"),
    ("(?<!", "RE2 does not support negative lookbehind (?<!...)"),
    ("(?>", "RE2 does not support atomic groups (?>...)"),
    ("(?(", "RE2 does not support conditionals (?(...)...)"),
    ("(?P=", "RE2 does not support backreferences (?P=name)"),
    ("(?#", "RE2 does not support comments (?#...)"),
)


def _translate(pattern: str) -> str:
    """An RE2 pattern as Python `re` text meaning the same, or FilterError (one sentence).

    `$` and `\\z` become `\\Z` (RE2's `$` never matches before a final newline);
    `[[:alpha:]]` classes are spelled out; what RE2 refuses is refused.
    """
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= n:
                raise FilterError("a regex cannot end with a single backslash")
            nxt = pattern[i + 1]
            if not in_class and nxt.isdigit() and nxt != "0":
                raise FilterError(f"RE2 does not support backreferences (\\{nxt})")
            if nxt in "pP":
                raise FilterError(f"Unicode classes (\\{nxt}...) are not supported in filters")
            if nxt == "Z":
                raise FilterError("RE2 does not support \\Z (it spells the end of text \\z)")
            out.append("\\Z" if nxt == "z" and not in_class else pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "[" and pattern.startswith("[:", i):
                end = pattern.find(":]", i + 2)
                if end > 0:
                    name = pattern[i + 2 : end]
                    negated = name.startswith("^")
                    spelled = _POSIX_CLASSES.get(name.lstrip("^"))
                    if spelled is None:
                        raise FilterError(f"[:{name}:] is not a character class RE2 knows")
                    if negated:
                        raise FilterError(f"negated classes like [:{name}:] are not supported")
                    out.append(spelled)
                    i = end + 2
                    continue
            if ch == "[":
                out.append("\\[")  # literal in RE2; Python may read it as a nested set
                i += 1
                continue
            if ch == "]":
                in_class = False
            out.append(ch)
            i += 1
            continue
        if ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            # a ] (after an optional ^) right at the start is a literal member
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":
                out.append("\\]")
                i += 1
            continue
        if ch == "(":
            for prefix, sentence in _REFUSED_GROUPS:
                if pattern.startswith(prefix, i):
                    raise FilterError(sentence)
        if ch in "*+?}" and i + 1 < n and pattern[i + 1] == "+":
            raise FilterError("RE2 does not support possessive quantifiers (*+, ++, ?+)")
        out.append("\\Z" if ch == "$" else ch)
        i += 1
    if in_class:
        raise FilterError("a regex has a [ without its closing ]")
    return "".join(out)


_LEADING_FLAGS = re.compile(r"^\(\?([imsU]+)\)")


@functools.lru_cache(maxsize=512)
def compile_regex(pattern: str) -> re.Pattern[str]:
    """An Alertmanager regex matcher value, anchored as Alertmanager anchors it.

    FilterError (one sentence) when RE2 would refuse it or Python cannot read it.
    """
    translated = _translate(pattern)
    # RE2's leading (?i) applies to the whole pattern; Python wants it outside the group
    flags = _LEADING_FLAGS.match(translated)
    head = ""
    if flags is not None:
        if "U" in flags.group(1):
            raise FilterError("the ungreedy flag (?U) is not supported in filters")
        head, translated = flags.group(0), translated[flags.end() :]
    try:
        return re.compile(f"{head}(?:{translated})", re.ASCII)
    except re.error as exc:
        raise FilterError(f"not a regular expression: {exc}") from None
    except (RecursionError, OverflowError):
        raise FilterError("the regular expression is too deeply nested") from None


def regex_problem(pattern: str) -> str | None:
    """Why Alertmanager would refuse this regex (one sentence), or None when it is fine."""
    try:
        compile_regex(pattern)
    except FilterError as exc:
        return str(exc)
    return None


# --- matchers -----------------------------------------------------------------------

_OPS = {"=": (False, True), "!=": (False, False), "=~": (True, True), "!~": (True, False)}
_LABEL_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
# as Alertmanager's ParseMatcher reads one matcher (=~ before =)
_MATCHER = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*(.*?)\s*$", re.DOTALL)


@dataclass(frozen=True)
class Matcher:
    """One label matcher: name, value, regex or not, equal or not (Alertmanager's fields)."""

    name: str
    value: str
    is_regex: bool = False
    is_equal: bool = True
    _regex: Any = field(default=None, compare=False, repr=False)

    @classmethod
    def make(cls, name: str, value: str, is_regex: bool, is_equal: bool) -> Matcher:
        """A matcher whose regex is checked now (FilterError when RE2 would refuse it)."""
        regex = compile_regex(value) if is_regex else None
        return cls(name, value, is_regex, is_equal, regex)

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.is_regex:
            regex = self._regex or compile_regex(self.value)
            hit = regex.fullmatch(actual) is not None
        else:
            hit = actual == self.value
        return hit == self.is_equal

    @property
    def op(self) -> str:
        return {v: k for k, v in _OPS.items()}[(self.is_regex, self.is_equal)]

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'{self.name}{self.op}"{escaped}"'


def unquote(raw: str) -> str:
    """A matcher value as Alertmanager reads it: quotes taken off, `\\"` `\\\\` `\\n` unescaped."""
    quoted = raw.startswith('"')
    text = raw[1:] if quoted else raw
    out: list[str] = []
    escaped = False
    for index, ch in enumerate(text):
        if escaped:
            escaped = False
            if ch == "n":
                out.append("\n")
            elif ch in '"\\':
                out.append(ch)
            else:
                out.append("\\" + ch)  # a spurious escape: the backslash stays
            continue
        if ch == "\\":
            if index < len(text) - 1:
                escaped = True
                continue
            out.append("\\")
        elif ch == '"':
            if not quoted or index < len(text) - 1:
                raise FilterError(f'the value {raw} has a double quote that is not escaped (\\")')
            quoted = False
        else:
            out.append(ch)
    if quoted:
        raise FilterError(f"the value {raw} is missing its closing double quote")
    return "".join(out)


def parse_matcher(text: str) -> Matcher:
    """One matcher like `severity!="info"`, as Alertmanager's ParseMatcher reads it."""
    found = _MATCHER.match(text)
    if found is None:
        raise FilterError(
            f"{text.strip()!r} is not a matcher: write name=value, name!=value, "
            'name=~"regex" or name!~"regex"'
        )
    name, op, raw = found.groups()
    is_regex, is_equal = _OPS[op]
    return Matcher.make(name, unquote(raw), is_regex, is_equal)


def _split_commas(text: str) -> list[str]:
    """Alertmanager's split of `a="x", b=~"y,z"`: on commas outside double quotes."""
    tokens: list[str] = []
    token = ""
    inside = escaped = False
    for ch in text:
        if not inside and ch == ",":
            tokens.append(token)
            token = ""
            continue
        token += ch
        if not escaped and ch == '"':
            inside = not inside
        else:
            escaped = not escaped and ch == "\\"
    if token:
        tokens.append(token)
    return tokens


def parse_matchers(text: str) -> list[Matcher]:
    """`{a="x", b=~"y"}` (braces optional) as Alertmanager's ParseMatchers reads it."""
    text = text.strip()
    text = text.removeprefix("{").removesuffix("}")
    return [parse_matcher(token) for token in _split_commas(text) if token.strip()]


class WireMatcher(TypedDict):
    """A matcher as Alertmanager's API writes it (a silence's `matchers`)."""

    name: str
    value: str
    isRegex: bool  # noqa: N815 - wire name
    isEqual: bool  # noqa: N815 - wire name


MatcherLike = Matcher | Mapping[str, Any] | tuple[str, str, bool, bool]


def as_matcher(matcher: MatcherLike) -> Matcher:
    """A Matcher from a dict `{name, value, isRegex, isEqual}` or a Silence's tuple."""
    if isinstance(matcher, Matcher):
        return matcher
    if isinstance(matcher, Mapping):
        return Matcher(
            str(matcher["name"]),
            str(matcher.get("value", "")),
            bool(matcher.get("isRegex", False)),
            bool(matcher.get("isEqual", True)),
        )
    name, value, is_regex, is_equal = matcher
    return Matcher(name, value, is_regex, is_equal)


def matchers_match(matchers: Iterable[MatcherLike], labels: Mapping[str, str]) -> bool:
    """Whether every matcher matches these labels, as Alertmanager decides it.

    No matchers match nothing (Alertmanager refuses a silence without any), and a
    regex Alertmanager would refuse matches nothing.
    """
    converted = [as_matcher(m) for m in matchers]
    if not converted:
        return False
    try:
        return all(m.matches(labels) for m in converted)
    except FilterError:
        return False


# --- the filter language ------------------------------------------------------------


@dataclass(frozen=True)
class FilterContext:
    """What a filter needs beyond the alert: the time, silences by id, Alertmanager names."""

    now: float
    silences: Mapping[str, Silence] = field(default_factory=dict)
    #: Alertmanager URL (as Alert.sources holds it) → its configured name
    alertmanager_names: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls, now: float, silences: Iterable[Silence] = (), config: Config | None = None
    ) -> FilterContext:
        names: dict[str, str] = {}
        if config is not None:
            for endpoint in config.alertmanager.endpoints():
                names[endpoint.url] = endpoint.name
        return cls(now, {s.id: s for s in silences}, names)


def alert_state(alert: Alert, context: FilterContext) -> str:
    """active, silenced, inhibited, acked (silenced by an `ACK by` silence) or unprocessed."""
    for silence_id in alert.silenced_by:
        silence = context.silences.get(silence_id)
        if silence is not None and silence.comment.startswith(ACK_PREFIX):
            return "acked"
    return alert.display_state


def _names_of(url: str, context: FilterContext) -> set[str]:
    """Every name an Alertmanager answers to in a filter: its name, URL and host:port."""
    bare = url.rstrip("/")
    names = {bare, re.sub(r"^https?://", "", bare)}
    names.add(re.sub(r"^https?://", "", bare).split("/", 1)[0])
    configured = context.alertmanager_names.get(bare)
    if configured:
        names.add(configured)
    return names


@dataclass(frozen=True)
class _Term:
    kind: str  # matcher | word | state | age | alertmanager | receiver
    text: str  # as written, for messages
    matcher: Matcher | None = None
    word: str = ""
    op: str = "="
    values: tuple[str, ...] = ()
    seconds: float = 0.0
    regex: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Filter:
    """A parsed filter: every term must hold for an alert to pass."""

    text: str
    terms: tuple[_Term, ...]

    @property
    def empty(self) -> bool:
        return not self.terms

    @property
    def needs_context(self) -> bool:
        return any(t.kind in ("state", "age", "alertmanager") for t in self.terms)

    def matches(self, alert: Alert, context: FilterContext) -> bool:
        labels = alert.label_map
        return all(_holds(term, alert, labels, context) for term in self.terms)

    def apply(self, alerts: Iterable[Alert], context: FilterContext) -> list[Alert]:
        return [a for a in alerts if self.matches(a, context)]


def _any_of(term: _Term, candidates: Iterable[str]) -> bool:
    """Whether one of the candidates is a value (=, !=) or matches the regex (=~, !~)."""
    candidates = list(candidates)
    if term.regex is not None:
        hit = any(term.regex.fullmatch(c) for c in candidates)
    else:
        hit = any(c in term.values for c in candidates)
    return hit if term.op in ("=", "=~") else not hit


def _holds(term: _Term, alert: Alert, labels: Mapping[str, str], context: FilterContext) -> bool:
    kind = term.kind
    if term.matcher is not None:  # kind == "matcher"
        return term.matcher.matches(labels)
    if kind == "word":
        return term.word in alert.name.casefold() or term.word in alert.summary.casefold()
    if kind == "state":
        return _any_of(term, [alert_state(alert, context)])
    if kind == "age":
        if alert.starts_at is None:
            return False  # an unknown age is neither older nor younger than anything
        age = context.now - alert.starts_at
        return {
            ">": age > term.seconds,
            ">=": age >= term.seconds,
            "<": age < term.seconds,
            "<=": age <= term.seconds,
        }[term.op]
    if kind == "alertmanager":
        names: set[str] = set()
        for url in alert.sources:
            names |= _names_of(url, context)
        return _any_of(term, names)
    if kind == "receiver":
        return _any_of(term, alert.receivers)
    return False


_FIELD = re.compile(r"@([A-Za-z_]*)\s*(=~|!=|!~|>=|<=|=|>|<)?\s*")
_LABEL_OP = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|!=|!~|=)\s*")
_STRAY = re.compile(r'[=!~<>{}"]')


def _read_value(text: str, i: int) -> tuple[str, int]:
    """The raw value at `i` (a "quoted" one with its quotes, or up to a space or comma)."""
    n = len(text)
    if i < n and text[i] == '"':
        j = i + 1
        while j < n:
            if text[j] == "\\":
                j += 2
                continue
            if text[j] == '"':
                if j + 1 < n and not text[j + 1].isspace() and text[j + 1] != ",":
                    raise FilterError(
                        f"the value {_read_value(text, i + 1)[0]!r} has a double quote "
                        'that is not escaped (\\")'
                    )
                return text[i : j + 1], j + 1
            j += 1
        raise FilterError(f"the value {text[i:]} is missing its closing double quote")
    j = i
    while j < n and not text[j].isspace() and text[j] != ",":
        j += 1
    return text[i:j], j


def _brace_end(text: str, i: int) -> int:
    """The index of the `}` closing the `{` at `i`, outside quotes."""
    inside = escaped = False
    for j in range(i + 1, len(text)):
        ch = text[j]
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = inside
        elif ch == '"':
            inside = not inside
        elif ch == "}" and not inside:
            return j
    raise FilterError("a { has no closing }")


def _field_term(name: str, op: str | None, raw: str, written: str) -> _Term:
    field_name = "@" + name
    if field_name not in FIELDS:
        raise FilterError(f"{field_name} is not a filter field; known: {', '.join(FIELDS)}")
    if op is None:
        example = {"@age": "@age>15m"}.get(field_name, f"{field_name}=...")
        raise FilterError(f"{field_name} needs an operator and a value, e.g. {example}")
    value = unquote(raw)
    if not value:
        raise FilterError(f"{written.strip()} needs a value after {op}")
    if field_name == "@age":
        if op not in (">", ">=", "<", "<="):
            raise FilterError("@age compares with > or < (e.g. @age>15m, @age<1h)")
        from console.clock import parse_duration

        try:
            seconds = parse_duration(value)
        except ValueError:
            raise FilterError(
                f"@age{op}{value}: {value!r} is not a duration like 90s, 15m or 2h"
            ) from None
        return _Term("age", written, op=op, seconds=seconds)
    if op not in ("=", "!=", "=~", "!~"):
        raise FilterError(f"{field_name} takes =, !=, =~ or !~, not {op}")
    if field_name == "@state":
        if op in ("=~", "!~"):
            raise FilterError("@state takes = or != with states joined by | (@state=active|acked)")
        values = tuple(v.strip().lower() for v in value.split("|"))
        wrong = [v for v in values if v not in STATES]
        if wrong:
            raise FilterError(
                f"{wrong[0]!r} is not a state; @state takes {', '.join(STATES[:4])} (joined by |)"
            )
        return _Term("state", written, op=op, values=values)
    kind = field_name[1:]
    if op in ("=~", "!~"):
        return _Term(kind, written, op=op, regex=compile_regex(value))
    return _Term(kind, written, op=op, values=tuple(v for v in value.split("|")))


def parse_filter(text: str) -> Filter:
    """Read a filter line; FilterError (one sentence) when it cannot be read."""
    terms: list[_Term] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace() or ch == ",":
            i += 1
            continue
        if ch == "{":
            end = _brace_end(text, i)
            for matcher in parse_matchers(text[i : end + 1]):
                terms.append(_Term("matcher", str(matcher), matcher=matcher))
            i = end + 1
            continue
        if ch == "}":
            raise FilterError("a } has no opening {")
        if ch == "@":
            found = _FIELD.match(text, i)
            assert found is not None  # "@" and nothing more matches
            raw, end = _read_value(text, found.end())
            terms.append(_field_term(found.group(1), found.group(2), raw, text[i:end]))
            i = end
            continue
        found = _LABEL_OP.match(text, i)
        if found is not None:
            raw, end = _read_value(text, found.end())
            matcher = parse_matcher(found.group(1) + found.group(2) + raw)
            terms.append(_Term("matcher", text[i:end], matcher=matcher))
            i = end
            continue
        raw, end = _read_value(text, i)
        if raw.startswith('"'):
            word = unquote(raw)
        else:
            stray = _STRAY.search(raw)
            if stray is not None:
                name = re.split(r"[=!~<>]", raw, maxsplit=1)[0]
                if name and not _LABEL_NAME.fullmatch(name):
                    raise FilterError(
                        f"{name!r} is not a label name (letters, digits, _ and :, "
                        "not starting with a digit)"
                    )
                raise FilterError(
                    f"{raw!r} is not a matcher: label matchers use =, !=, =~ or !~ "
                    "(> and < are for @age)"
                )
            word = raw
        if word:
            terms.append(_Term("word", raw, word=word.casefold()))
        i = end
    return Filter(text.strip(), tuple(terms))
