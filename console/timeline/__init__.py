"""The shared war-room timeline: alerts, incident changes, actions and notes, told once.

Every entry is appended (flushed and fsynced) to a local JSONL file first, so the story
survives a crash and works offline. When `warroom.redis_url` is set, `sync()` also sends
entries to a Redis stream and pulls everyone else's, so every console on the stack sees
the same story; entries added while Redis is away stay pending (on disk, across console
restarts) and are sent when it is back. Entries carry a unique `id`; readers deduplicate.

With a war-room key (`warroom.key_env`), every entry this console sends carries `sig`:
HMAC-SHA256 over the entry without `sig`, as UTF-8 JSON with sorted keys, separators
`,` and `:`, non-ASCII kept (`canonical`). An entry pulled without a valid signature is
kept but `verified=False`: marked everywhere, left out of counts, and it never
displaces a verified entry or one of ours with the same id.

Redis keys (for an environment of a config with `environments:`, every key starts with
`genesis-console:env:<env>:` instead of `genesis-console:`, see paths.warroom_prefix):
  genesis-console:timeline                stream, one field `entry` = Entry JSON (+ `sig`),
                                          trimmed to about 10 000 entries (MAXLEN ~)
  genesis-console:presence:<console_id>   JSON {console_id, user, host, ssh_client, since,
                                          seats: ["oncall1 from /dev/pts/3", ...]},
                                          expires PRESENCE_TTL seconds after the last heartbeat

Local file lines (JSONL, torn last line tolerated):
  {...entry..., "sync": "pending"}   added here; to be sent until a marker names its id
  {...entry..., "sync": "remote", "verified": true|false|null}
                                     pulled from the stream, with this console's verdict
  {"sent": [ids], "run_id": "..."}   marker: these ids reached the Redis server `run_id`

The package never imports Textual and imports redis only when it first talks to Redis:
  entry.py       an entry: checked from untrusted JSON, signed, made from audit records
  store.py       Timeline: the local file first, then sync / heartbeat / presence / leave
  redis_sync.py  the Redis side: one connection and one call helper, stream, presence
  render.py      Markdown, JSON and the presence line
"""

from console.timeline.entry import (
    EARLIEST,
    KINDS,
    LATEST,
    Entry,
    audit_entry_id,
    canonical,
    entries_from_audit,
    entry_from_audit,
    key_from_env,
    new_id,
    plain,
    sign,
    signature_ok,
    valid_time,
)
from console.timeline.redis_sync import (
    ENTRY_MAX_BYTES,
    PRESENCE_PREFIX,
    PRESENCE_TTL,
    RESEND_WINDOW,
    STREAM_KEY,
    STREAM_MAXLEN,
    SYNC_MAX_BYTES,
    SYNC_MAX_ENTRIES,
)
from console.timeline.render import describe_presence, md_escape, render_json, render_markdown
from console.timeline.store import Timeline, merge, read_timeline_file

__all__ = [
    "EARLIEST",
    "ENTRY_MAX_BYTES",
    "KINDS",
    "LATEST",
    "PRESENCE_PREFIX",
    "PRESENCE_TTL",
    "RESEND_WINDOW",
    "STREAM_KEY",
    "STREAM_MAXLEN",
    "SYNC_MAX_BYTES",
    "SYNC_MAX_ENTRIES",
    "Entry",
    "Timeline",
    "audit_entry_id",
    "canonical",
    "describe_presence",
    "entries_from_audit",
    "entry_from_audit",
    "key_from_env",
    "md_escape",
    "merge",
    "new_id",
    "plain",
    "read_timeline_file",
    "render_json",
    "render_markdown",
    "sign",
    "signature_ok",
    "valid_time",
]
