"""Progress of long commands: a live bar on a terminal (tqdm), plain lines in a log.

A `Reporter` hears of three things: how much work there is (`start`), a line worth logging
(`log`), and each finished unit (`finished`, with whether it failed). The grader, the build
and the cluster client all talk to one, so progress reads the same on every path.

Labels and lines name submissions, which students name: both reporters write them with their
control characters escaped (`safetext.printable`), whoever passed them.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from tqdm import tqdm

from autograder.safetext import printable


class Reporter:
    """Hears of progress and says nothing: the default, and the base of the others."""

    def start(self, total: int, what: str = "submissions") -> None:
        """There are `total` units of work to do (`what` names them)."""

    def log(self, line: str) -> None:
        """A line an operator may want to read."""

    def finished(self, label: str, failed: bool = False) -> None:
        """One unit of work is done (`failed`: it could not be graded or built as it should)."""

    def close(self) -> None:
        """No more work."""


class Lines(Reporter):
    """Progress as plain lines, each with a count: for logs, CI and anything not a terminal."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write
        self.total = self.done = self.failed = 0
        self.what = "submissions"
        self.started = time.monotonic()

    def start(self, total: int, what: str = "submissions") -> None:
        self.total, self.done, self.failed, self.what = total, 0, 0, what
        self.started = time.monotonic()
        self.write(f"{total} {printable(what)} to do")

    def log(self, line: str) -> None:
        self.write(printable(line))

    def finished(self, label: str, failed: bool = False) -> None:
        self.done += 1
        self.failed += failed
        left = ""
        if self.total > self.done:
            rate = self.done / max(1e-9, time.monotonic() - self.started)
            left = f", about {_duration((self.total - self.done) / rate)} left"
        failures = f", {self.failed} failed" if self.failed else ""
        self.write(f"[{self.done}/{self.total}{failures}{left}] {printable(label)}")


class Bar(Reporter):
    """A live bar on a terminal: done/total, failures so far, time left."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.bar: tqdm | None = None
        self.failed = 0

    def start(self, total: int, what: str = "submissions") -> None:
        self.close()
        self.failed = 0
        self.bar = tqdm(total=total, unit=f" {what}", file=self.stream, dynamic_ncols=True,
                        bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}]"
                                   "{postfix}")

    def log(self, line: str) -> None:
        tqdm.write(printable(line), file=self.stream)

    def finished(self, label: str, failed: bool = False) -> None:
        if self.bar is None:
            return
        self.failed += failed
        self.bar.set_postfix_str(f"{self.failed} failed" if self.failed else "", refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def reporter(quiet: bool = False, stream: TextIO | None = None) -> Reporter:
    """The reporter for a command: silent, a bar on a terminal, or lines in a log."""
    stream = stream or sys.stderr
    if quiet:
        return Reporter()
    if stream.isatty():
        return Bar(stream)
    return Lines(lambda line: print(line, file=stream, flush=True))


def as_reporter(progress: Reporter | Callable[[str], None] | None) -> Reporter:
    """A Reporter from what a caller passed: a Reporter, a function taking lines, or None."""
    if progress is None:
        return Reporter()
    if isinstance(progress, Reporter):
        return progress
    return Lines(progress)


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
