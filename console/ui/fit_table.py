"""A DataTable whose one flexible column takes the width the others leave."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.cache import LRUCache
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey

#: cells kept for the vertical scrollbar when the rows do not all fit
SCROLLBAR = 2


class FitTable(DataTable[Text]):
    """DataTable that gives `flex_column` whatever width is left, so nothing scrolls sideways.

    A subclass may size other columns first (`plan`), e.g. to their content."""

    DEFAULT_CSS = """
    FitTable { height: 1fr; background: transparent; scrollbar-size-horizontal: 0; }
    """

    def __init__(self, *, flex_column: str, min_flex: int = 8, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.flex_column = flex_column
        self.min_flex = min_flex

    def add_column(
        self,
        label: str | Text,
        *,
        width: int | None = None,
        key: str | None = None,
        default: Text | None = None,
    ) -> ColumnKey:
        """A column whose header is literal text: DataTable reads a str label as Rich
        markup, and the first markup parse loads Rich's emoji table (~5 ms before the
        first frame, issue 13)."""
        if isinstance(label, str):
            label = Text(label)
        return super().add_column(label, width=width, key=key, default=default)

    def on_resize(self) -> None:
        self.fit()

    def overflows(self) -> bool:
        """True when the rows do not all fit in the table's height (a scrollbar shows)."""
        header = 1 if self.show_header else 0
        return self.row_count + header > self.size.height

    def inner_width(self) -> int:
        """The cells the columns may take: the width less a scrollbar when one shows."""
        return self.size.width - (SCROLLBAR if self.overflows() else 0)

    def plan(self, width: int) -> dict[str, int]:
        """Widths for columns other than the flexible one, given the table's inner width."""
        return {}

    def set_width(self, key: str, width: int) -> bool:
        column = self.columns[ColumnKey(key)]
        if column.width == width and not column.auto_width:
            return False
        column.auto_width = False
        column.width = width
        return True

    def set_cell(self, row_key: str, column_key: str, value: Any) -> None:
        """Replace one cell and draw only that cell.

        DataTable.update_cell redraws the whole table (every row, on every refresh);
        here only the cell's region of the screen is drawn again. Its width stays the
        column's (FitTable sizes its columns itself). Raises CellDoesNotExist like
        update_cell."""
        row, column = RowKey(row_key), ColumnKey(column_key)
        y, x = self._row_locations.get(row), self._column_locations.get(column)
        if y is None or x is None:
            raise CellDoesNotExist(
                f"No cell exists for row_key={row_key!r}, column_key={column_key!r}."
            )
        self._data[row][column] = value
        self._forget_cell(row, column, y)
        self.refresh_coordinate(Coordinate(y, x))

    def _forget_cell(self, row: RowKey, column: ColumnKey, index: int) -> None:
        """Drop what DataTable cached of one cell and its row, and nothing else.

        DataTable keys its render caches on a count of updates, so bumping it renders
        every cell of every visible row again: a process table whose CPU figures moved
        rendered its ~50 cells on every refresh (23 ms a refresh on a slow machine,
        issue 13). Here the other cells' renders stay cached and are reused."""
        _discard(self._cell_render_cache, lambda k: k[0] == row and k[1] == column)
        _discard(self._row_render_cache, lambda k: k[0] == row)
        _discard(self._row_renderable_cache, lambda k: k[1] == index)
        # lines are crops of the row renders: cheap to make again from them
        self._line_cache.clear()

    def fit(self) -> None:
        """Size the planned columns, then give the flexible one the space left."""
        if self.flex_column not in self.columns or not self.size.width:
            return
        width = self.inner_width()
        changed = False
        for key, planned in self.plan(width).items():
            if key in self.columns:
                changed |= self.set_width(key, planned)
        others = sum(
            column.get_render_width(self)
            for key, column in self.columns.items()
            if key != self.flex_column
        )
        flex = max(self.min_flex, width - others - 2 * self.cell_padding)
        changed |= self.set_width(self.flex_column, flex)
        if changed:
            self._require_update_dimensions = True
            self.refresh()


def _discard(cache: LRUCache[Any, Any], stale: Callable[[Any], bool]) -> None:
    """Drop the entries of `cache` whose key is `stale`."""
    keys = cache.keys()
    for key in [k for k in keys if stale(k)]:
        cache.discard(key)
