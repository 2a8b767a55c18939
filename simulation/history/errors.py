"""The one exception the history importers raise, with the place in the file it is about."""

from __future__ import annotations


class HistoryError(ValueError):
    """An export that cannot be read, naming the file, row and column and how to fix it.

    ``row`` counts records as a spreadsheet shows them (the header is row 1); ``line`` counts
    lines of a text file such as YAML. ``column`` is a column name, or a character position
    (from 1) within the line.
    """

    def __init__(self, problem: str, file: str | None = None, row: int | None = None,
                 column: str | int | None = None, fix: str | None = None,
                 line: int | None = None):
        self.problem = problem
        self.file = file
        self.row = row
        self.line = line
        self.column = column
        self.fix = fix
        super().__init__(self._message())

    def _message(self) -> str:
        place = []
        if self.file:
            place.append(str(self.file))
        if self.row is not None:
            place.append(f"row {self.row}")
        if self.line is not None:
            place.append(f"line {self.line}")
        if self.column is not None:
            column = self.column if isinstance(self.column, int) else repr(self.column)
            place.append(f"column {column}")
        text = ", ".join(place) + ": " + self.problem if place else self.problem
        if self.fix:
            text += ". " + self.fix if not text.endswith(".") else " " + self.fix
        return text
