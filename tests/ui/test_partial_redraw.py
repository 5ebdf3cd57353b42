"""Only what changed is drawn (issue 13): a refresh rewrites the cells whose text changed,
the process table keeps its rows and its cursor on its process, and what reaches the
terminal for a changed clock is the clock, not the whole header line."""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip

from console.model import HostSnapshot, ProbeResult, ProcessInfo, Status
from console.state import State
from console.ui.output import render_segments
from console.ui.panes.host import HostPane
from console.ui.partial import PartialText, changed_spans
from console.ui.themes import VARIABLE_DEFAULTS


def _host(*procs: tuple[int, str, float]) -> State:
    state = State()
    top = tuple(ProcessInfo(pid, name, cpu, 1.0) for pid, name, cpu in procs)
    snapshot = HostSnapshot(20.0, 40.0, 50.0, (0.5, 0.5, 0.5), 4, top=top)
    state.apply(ProbeResult("host", Status.OK, "ok", data=snapshot, obtained_at=1.0))
    return state


class HostOnly(App):
    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield HostPane(id="host")


def _rows(pane: HostPane) -> list[list[str]]:
    table = pane.processes
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_the_process_table_follows_its_processes_in_place():
    app = HostOnly()
    async with app.run_test(size=(80, 30)) as pilot:
        pane = app.query_one(HostPane)
        pane.show(_host((10, "postgres", 50.0), (20, "nginx", 10.0), (30, "cron", 1.0)))
        await pilot.pause()
        pane.processes.move_cursor(row=1)  # on nginx
        assert pane.selected is not None and pane.selected.name == "nginx"

        # nginx becomes the busiest: its row moves up and the cursor goes with it
        pane.show(_host((20, "nginx", 70.0), (10, "postgres", 50.0), (30, "cron", 1.0)))
        await pilot.pause()
        assert [r[:3] for r in _rows(pane)] == [
            ["20", "nginx", "70.0"],
            ["10", "postgres", "50.0"],
            ["30", "cron", "1.0"],
        ]
        assert pane.selected is not None and pane.selected.name == "nginx"
        assert pane.processes.cursor_row == 0
        assert "pid 20" in pane.copy_text() or "PID: 20" in pane.copy_text()

        # fewer processes: the rows that are left over go
        pane.show(_host((10, "postgres", 5.0)))
        await pilot.pause()
        assert [r[:3] for r in _rows(pane)] == [["10", "postgres", "5.0"]]
        # the one under the cursor ended: nothing is selected that is not shown
        assert pane.selected is None or pane.selected.pid == 10


def test_a_changed_clock_is_one_span_and_a_new_shape_redraws_whole():
    def header(clock: str, note: str = "") -> Text:
        text = Text()
        text.append("GENESIS", style="bold")
        text.append("  │  demo  │  ")
        text.append(f"refreshed {clock}{note}", style="dim")
        return text

    spans = changed_spans(header("12:00:01 UTC"), header("12:00:03 UTC"))
    assert spans is not None and len(spans) == 1
    assert (spans[0].x, spans[0].width) == (len("GENESIS  │  demo  │  refreshed 12:00:0"), 1)
    assert changed_spans(header("12:00:01 UTC"), header("12:00:01 UTC")) == []
    # longer text, or a style in another place: the whole is drawn
    assert changed_spans(header("12:00:01 UTC"), header("12:00:01 UTC", " · PAUSED")) is None
    assert changed_spans(None, header("12:00:01 UTC")) is None


async def test_partial_text_shows_the_new_text_and_repaints_only_what_changed():
    class One(App):
        def compose(self) -> ComposeResult:
            yield PartialText(id="line")

    app = One()
    async with app.run_test(size=(40, 3)) as pilot:
        line = app.query_one("#line", PartialText)
        line.show(Text("refreshed 12:00:01"))
        await pilot.pause()
        line.show(Text("refreshed 12:00:03"))
        await pilot.pause()
        strips = app.screen._compositor.render_strips()
        assert "".join(s.text for s in strips[0]).startswith("refreshed 12:00:03")
        assert str(line.render()) == "refreshed 12:00:03"
        # a change of shape is drawn whole, and still shows
        line.show(Text("refreshed 12:00:03 · PAUSED"))
        await pilot.pause()
        strips = app.screen._compositor.render_strips()
        assert "".join(s.text for s in strips[0]).startswith("refreshed 12:00:03 · PAUSED")


def test_the_terminal_gets_the_changed_cells_not_the_line_before_them():
    from rich.console import Console
    from textual._compositor import ChopsUpdate

    line = Strip([Segment("GENESIS  │  "), Segment("日本"), Segment("refreshed 12:00:03")])
    end = line.cell_length
    console = Console(color_system=None, force_terminal=True, width=80)

    # the clock's last digit changed: the clock's run is written, not what is before it
    out = render_segments(ChopsUpdate([{0: line}], [(0, end - 1, end)], [[end]]), console)
    assert "GENESIS" not in out and "日本" not in out and "refreshed 12:00:03" in out
    assert out.startswith("\x1b[1;17H")  # moved to the clock's first cell

    # a change inside the wide characters' run: they are written whole, never half
    out = render_segments(ChopsUpdate([{0: line}], [(0, 13, 14)], [[end]]), console)
    assert "日" in out and "GENESIS" not in out

    # a whole-line update is unchanged
    out = render_segments(ChopsUpdate([{0: line}], [(0, 0, end)], [[end]]), console)
    assert "GENESIS  │  日本refreshed 12:00:03" in out


def test_what_the_terminal_already_shows_is_not_written_again():
    from rich.console import Console
    from rich.style import Style
    from textual._compositor import ChopsUpdate, LayoutUpdate

    console = Console(color_system="truecolor", force_terminal=True, width=80)
    red = Style(color="red")

    def row(value: str, colour: Style | None = None) -> Strip:
        return Strip([Segment("P95 latency  "), Segment(value, colour), Segment("  ● OK")])

    def update(*strips: Strip) -> str:
        ends = [[s.cell_length] for s in strips]
        spans = [(y, 0, s.cell_length) for y, s in enumerate(strips)]
        return render_segments(ChopsUpdate([{0: s} for s in strips], spans, ends), console)

    first = update(row("0.83 s"), row("0.10 s"))
    assert "P95 latency" in first and "0.83 s" in first and "0.10 s" in first

    # the widget drew the same two lines again: nothing reaches the terminal
    assert update(row("0.83 s"), row("0.10 s")) == ""

    # one value changed on the second line: only that value is written, at its place
    out = update(row("0.83 s"), row("0.12 s"))
    assert "0.12 s" in out and "P95" not in out and "OK" not in out and "0.83" not in out
    assert out.startswith("\x1b[2;14H")

    # a change of colour alone is a change
    out = update(row("0.83 s", red), row("0.12 s"))
    assert "0.83 s" in out and "\x1b[31m" in out

    # the whole screen was written (a resize, a modal): everything is written again
    LayoutUpdate([[row("x")]], Region(0, 0, 80, 1)).render_segments(console)
    out = update(row("0.83 s", red), row("0.12 s"))
    assert out.count("P95 latency") == 2


def test_a_strip_written_in_part_or_overlapped_is_written_whole_next_time():
    from rich.console import Console
    from textual._compositor import ChopsUpdate

    console = Console(color_system=None, force_terminal=True, width=80)
    line = Strip([Segment("refreshed "), Segment("12:00:03")])
    end = line.cell_length

    def whole() -> str:
        return render_segments(ChopsUpdate([{0: line}], [(0, 0, end)], [[end]]), console)

    assert "refreshed 12:00:03" in whole()
    assert whole() == ""
    # another widget drew over part of the line (other chops at other places)
    left, right = Strip([Segment("abcde")]), Strip([Segment("fgh")])
    render_segments(ChopsUpdate([{0: left, 5: right}], [(0, 0, 8)], [[5, 8]]), console)
    assert "refreshed 12:00:03" in whole()
    # a part of it was written (a partial region): the next whole write is whole
    render_segments(ChopsUpdate([{0: line}], [(0, end - 1, end)], [[end]]), console)
    assert "refreshed 12:00:03" in whole()


async def test_a_changed_process_figure_is_drawn_and_the_others_stay_right():
    """Only the changed cell's render is dropped (issue 13): what is drawn is the new
    figure in its row, and every other row still draws its own."""
    app = HostOnly()
    async with app.run_test(size=(80, 30)) as pilot:
        pane = app.query_one(HostPane)
        table = pane.processes
        pane.show(_host((10, "postgres", 50.0), (20, "nginx", 10.0), (30, "cron", 1.0)))
        await pilot.pause()
        before = [table.render_line(y).text for y in range(1, 4)]
        assert "50.0" in before[0] and "10.0" in before[1] and "1.0" in before[2]

        pane.show(_host((10, "postgres", 50.0), (20, "nginx", 12.5), (30, "cron", 1.0)))
        await pilot.pause()
        after = [table.render_line(y).text for y in range(1, 4)]
        assert "nginx" in after[1] and "12.5" in after[1] and "10.0" not in after[1]
        assert after[0] == before[0] and after[2] == before[2]

        # the cursor moves onto the changed row: drawn with the new figure still
        table.move_cursor(row=1)
        await pilot.pause()
        assert "12.5" in table.render_line(2).text
