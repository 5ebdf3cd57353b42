"""Which seat pressed the key: the look at who is attached never answers for a later key."""

from __future__ import annotations

from console.seats import Seats


def test_a_key_is_never_credited_from_the_watchers_earlier_look():
    clients = [("gc-oncall1", "/dev/pts/1", 100), ("gc-oncall2", "/dev/pts/2", 101)]

    def tmux(argv: list[str], timeout: float) -> str:
        return "".join(f"{u}\t{t}\t{a}\n" for u, t, a in clients)

    now = [0.0]
    seats = Seats(
        {"TMUX": "/tmp/gc-sock,1,0", "TMUX_PANE": "%0"}, runner=tmux, monotonic=lambda: now[0]
    )
    # the once-a-second look at who is attached: oncall2 was the last to type
    assert [s.user for s in seats.clients(fresh=True, remember=False)] == [
        "gc-oncall1",
        "gc-oncall2",
    ]
    # 0.1 s later oncall1 presses a key: it is oncall1's, not the watcher's stale answer
    clients[0] = ("gc-oncall1", "/dev/pts/1", 103)
    now[0] = 0.1
    assert seats.presser().seat.user == "gc-oncall1"
    # within one burst of keys tmux is asked once
    clients[1] = ("gc-oncall2", "/dev/pts/2", 104)
    now[0] = 0.2
    assert seats.presser().seat.user == "gc-oncall1"
