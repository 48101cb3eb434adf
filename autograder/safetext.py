"""Text a student controls (folder and file names, messages), made safe to show an instructor.

Two rules, one per destination: on a terminal, in a log or a report, control characters are
shown escaped, never obeyed (`printable`); in a CSV cell, a value that a spreadsheet would run
as a formula is written as text (OWASP's CSV-injection rule, `spreadsheet_safe`).
"""

from __future__ import annotations

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP: CSV injection)."""


def printable(text: object) -> str:
    """`text` with every control or formatting character (escape sequences, carriage returns,
    bidirectional overrides, newlines) written as its escape, e.g. `\\x1b` or `\\u202e`."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() or char == " "
                   else char.encode("unicode_escape").decode("ascii") for char in text)


def spreadsheet_safe(value: object) -> object:
    """A CSV cell that no spreadsheet runs: a string starting like a formula gets a leading
    apostrophe (read as text); numbers and other values pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
