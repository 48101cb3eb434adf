"""Progress reads as counted lines in a log and as a live bar on a terminal."""

from __future__ import annotations

import io

from autograder.progress import Bar, Lines, Reporter, as_reporter, reporter


def test_lines_count_what_is_done_and_what_failed() -> None:
    lines: list[str] = []
    report = Lines(lines.append)
    report.start(3)
    report.finished("alice/onehot: 24/24")
    report.finished("bob/onehot: ungraded", failed=True)
    report.log("checked 2 onehot submission(s)")
    report.finished("carol/onehot: 10/24")
    assert lines[0] == "3 submissions to do"
    assert lines[1].startswith("[1/3, about ") and "left] alice/onehot: 24/24" in lines[1]
    assert lines[2].startswith("[2/3, 1 failed, about ")
    assert lines[3] == "checked 2 onehot submission(s)"
    assert lines[4] == "[3/3, 1 failed] carol/onehot: 10/24"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_and_a_log_gets_lines() -> None:
    terminal = _Terminal()
    bar = reporter(stream=terminal)
    assert isinstance(bar, Bar)
    bar.start(2)
    bar.finished("alice/onehot: 24/24")
    bar.finished("bob/onehot: ungraded", failed=True)
    bar.close()
    shown = terminal.getvalue()
    assert "2/2" in shown and "1 failed" in shown
    assert isinstance(reporter(stream=io.StringIO()), Lines)
    assert type(reporter(quiet=True, stream=terminal)) is Reporter


def test_callers_may_pass_a_function_or_nothing() -> None:
    lines: list[str] = []
    as_reporter(lines.append).log("hello")
    assert lines == ["hello"]
    as_reporter(None).log("nobody hears this")
