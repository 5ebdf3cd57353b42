"""A DataTable whose one flexible column takes the width the others leave."""

from __future__ import annotations

from textual.widgets import DataTable


class FitTable(DataTable):
    """DataTable that gives `flex_column` whatever width is left, so nothing scrolls sideways."""

    DEFAULT_CSS = """
    FitTable { height: 1fr; background: transparent; scrollbar-size-horizontal: 0; }
    """

    def __init__(self, *, flex_column: str, min_flex: int = 8, **kwargs) -> None:
        super().__init__(**kwargs)
        self.flex_column = flex_column
        self.min_flex = min_flex

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        """Resize the flexible column to the space left by the fixed ones."""
        if self.flex_column not in self.columns or not self.size.width:
            return
        others = sum(
            column.get_render_width(self)
            for key, column in self.columns.items()
            if key != self.flex_column
        )
        # leave room for the vertical scrollbar so a long list never overflows sideways
        width = max(self.min_flex, self.size.width - others - 2 * self.cell_padding - 2)
        column = self.columns[self.flex_column]
        if column.width != width or column.auto_width:
            column.auto_width = False
            column.width = width
            self._require_update_dimensions = True
            self.refresh()
