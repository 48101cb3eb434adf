"""The students' local check: run a notebook's public test cells as nbgrader's Validate does, say
which cell is running, print every failure in full, and exit non-zero when one fails.

    python -m autograder check windows.ipynb
    python -m autograder.student_check windows.ipynb     (the same, without the kit's CLI)

`nbgrader validate` runs the same cells but exits 0 whatever happens and cuts every line of a
message at 90 characters (``Validator.width``), which drops the half of a message that says
what was expected. This wrapper keeps nbgrader's Validator (same preprocessors, same
configuration files, same verdict on which cells failed or changed) and only changes what is
shown: progress while the notebook runs, whole messages, and the exit status.

Exit status: 0 every public check passed; 1 a check failed, or a test or given cell was
changed; 2 the notebook could not be checked (not found, not a notebook, a kernel that would
not start). It imports nbgrader and the standard library only, so it also works as a single
file copied into an environment without the rest of the kit.
"""

from __future__ import annotations

import argparse
import glob
import logging
import os
import shutil
import sys
import textwrap
import time
from dataclasses import dataclass, field
from typing import TextIO

from nbconvert.filters import strip_ansi
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.apps.validateapp import ValidateApp
from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, Execute
from nbgrader.validator import Validator

DEFAULT_CELL_TIMEOUT = 300
"""Seconds a cell may run when no nbgrader config sets `Execute.timeout`. nbgrader's own default,
30 s, is less than a training cell takes on a busy machine."""


@dataclass
class CellOutcome:
    """What one test cell did when the check ran it."""

    index: int
    grade_id: str
    source: str
    passed: bool
    errors: list[str] = field(default_factory=list)
    """Whole error lines (`AssertionError: ...`), ANSI colours removed."""
    tracebacks: list[str] = field(default_factory=list)


class Progress:
    """Which cell runs now ("cell 12 of 38"), and a line per test cell as soon as it has run.

    On a terminal the running cell is one line rewritten in place; elsewhere (a log, a pipe,
    a test) every cell gets its own line, so nothing depends on carriage returns."""

    def __init__(self, stream: TextIO, quiet: bool = False) -> None:
        self.stream = stream
        self.quiet = quiet
        self.live = hasattr(stream, "isatty") and stream.isatty()
        self.started = time.monotonic()
        self._status = False

    def _clear(self) -> None:
        if self._status:
            self.stream.write("\r\033[K")
            self._status = False

    def cell_started(self, number: int, total: int, name: str) -> None:
        if self.quiet:
            return
        text = f"cell {number} of {total}: {name} ({time.monotonic() - self.started:.0f} s)"
        if self.live:
            self._clear()
            width = shutil.get_terminal_size((100, 20)).columns - 1
            self.stream.write(text[:width])
            self._status = True
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def test_done(self, outcome: CellOutcome) -> None:
        if self.quiet:
            return
        self._clear()
        mark = "passed" if outcome.passed else "FAILED"
        self.stream.write(f"  test {outcome.grade_id}: {mark}\n")
        self.stream.flush()

    def close(self) -> None:
        self._clear()
        self.stream.flush()


class ProgressExecute(Execute):
    """nbgrader's Execute preprocessor (so its configuration applies: `Execute.timeout`, ...),
    telling its parent check which cell runs and how each test cell went."""

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        check = self.parent if isinstance(self.parent, StudentValidator) else None
        if check is not None and cell.cell_type == "code":
            check.cell_started(self.nb, cell, index)
        cell, resources = super().preprocess_cell(cell, resources, index)
        if check is not None and cell.cell_type == "code":
            check.cell_finished(cell, index)
        return cell, resources


class StudentValidator(Validator):
    """nbgrader's Validator with progress, and the outcome of every test cell kept whole."""

    def __init__(self, progress: Progress, **kwargs) -> None:
        super().__init__(**kwargs)
        self.preprocessors = [CheckCellMetadata, ClearOutput, ProgressExecute]
        self.progress = progress
        self.outcomes: list[CellOutcome] = []

    def cell_started(self, nb: NotebookNode, cell: NotebookNode, index: int) -> None:
        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        name = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}"
        self.progress.cell_started(code.index(index) + 1, len(code), name)

    def cell_finished(self, cell: NotebookNode, index: int) -> None:
        if not utils.is_grade(cell):
            return
        errors, tracebacks = [], []
        for output in cell.outputs:
            if output.output_type == "error":
                message = strip_ansi(str(output.get("evalue", ""))).strip()
                errors.append(f"{output.get('ename', 'Error')}: {message}" if message
                              else str(output.get("ename", "Error")))
                tracebacks.append(strip_ansi("\n".join(output.get("traceback", []))))
            elif output.output_type == "stream" and output.name == "stderr":
                errors.append("the cell wrote to stderr (nbgrader counts that as a failure): "
                              + strip_ansi(output.text).strip())
        score, max_score = utils.determine_grade(cell, self.log)
        passed = score is None or score >= max_score  # nbgrader's own verdict
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}"
        outcome = CellOutcome(index, grade_id, cell.source.strip(), passed, errors, tracebacks)
        self.outcomes.append(outcome)
        self.progress.test_done(outcome)


def _wrap(text: str, width: int | None, indent: str = "    ") -> str:
    """Wrap for reading on a terminal (`width`), never cutting: every word of `text` is kept.
    Without a width (output to a file or a pipe), each line of `text` stays one line."""
    if width is None:
        return textwrap.indent(text, indent)
    lines = []
    for line in text.splitlines() or [""]:
        lines.append(textwrap.fill(line, width=width, initial_indent=indent,
                                   subsequent_indent=indent, break_long_words=False,
                                   break_on_hyphens=False) if line.strip() else "")
    return "\n".join(lines)


def report(results: dict, outcomes: list[CellOutcome], out: TextIO, tracebacks: bool) -> int:
    """Print what the Validator found, every message whole; return the exit status."""
    terminal = hasattr(out, "isatty") and out.isatty()
    width = max(60, min(shutil.get_terminal_size((100, 20)).columns, 120)) - 1
    wrap_at = width if terminal else None
    if results.get("type_changed"):
        out.write(f"{len(results['type_changed'])} cell(s) changed type (code to markdown or "
                  "back). The grader reads them as they were released: undo the change (or "
                  "fetch the assignment again and copy your answers over).\n")
        for cell in results["type_changed"]:
            out.write(f"\n  was {cell['old_type']}, now {cell['new_type']}:\n")
            out.write(_wrap(cell["source"][:400], wrap_at) + "\n")
        return 1
    if results.get("changed"):
        out.write(f"{len(results['changed'])} test or given cell(s) were edited. The grader "
                  "runs them as released, so passing here would not mean passing there: undo "
                  "the edits.\n")
        for cell in results["changed"]:
            first = cell["source"].splitlines()[0] if cell["source"] else ""
            out.write(f"  the cell that starts: {first}\n")
        return 1
    failed_sources = {cell["source"] for cell in results.get("failed", [])}
    if not failed_sources:
        tests = len(outcomes)
        out.write(f"Success! All {tests} public test cells pass. The grader runs more checks "
                  "than these, so this is necessary, not sufficient.\n")
        return 0
    failed = [o for o in outcomes if o.source in failed_sources]
    out.write(f"{len(failed_sources)} of {len(outcomes)} public test cells FAILED. If you "
              "submit the notebook as it is, you will not get full marks.\n")
    for outcome in failed:
        out.write(f"\n{'-' * width}\ntest {outcome.grade_id} (notebook cell {outcome.index + 1}):\n")
        for message in outcome.errors or ["the cell did not give its points (partial credit)"]:
            out.write(_wrap(message, wrap_at) + "\n")
            if message.startswith("NotImplementedError"):
                out.write("    (an exercise this test needs is not done yet)\n")
        if tracebacks:
            for trace in outcome.tracebacks:
                out.write("\n" + textwrap.indent(trace, "    ") + "\n")
    if failed and not tracebacks and any(not e.startswith(("AssertionError", "NotImplemented"))
                                         for o in failed for e in o.errors):
        out.write("\nAdd --traceback to see where an error was raised.\n")
    return 1


class CheckApp(ValidateApp):
    """`nbgrader validate`'s application (the same configuration files: nbgrader_config.py in
    the current folder and Jupyter's config paths), with the student-side report."""

    name = "rnnkit-check"
    description = "Run a notebook's public tests; exit non-zero if one fails"
    show_tracebacks = False
    quiet = False
    status = 0

    def start(self) -> None:
        if "timeout" not in self.config.Execute:
            self.config.Execute.timeout = DEFAULT_CELL_TIMEOUT
        paths = []
        for pattern in self.extra_args:
            paths.extend(sorted(glob.glob(pattern)) or [pattern])
        for path in paths:
            self.status = max(self.status, self.check(path))

    def check(self, path: str) -> int:
        if not os.path.isfile(path):
            print(f"error: no notebook at {path}", file=sys.stderr)
            return 2
        progress = Progress(sys.stderr, quiet=self.quiet)
        validator = StudentValidator(progress, parent=self)
        print(f"checking {path}", file=sys.stderr)
        try:
            results = validator.validate(path)
        except Exception as exc:  # a notebook nbgrader cannot run is not a failed check
            progress.close()
            print(f"error: {path} could not be checked: {type(exc).__name__}: {exc}",
                  file=sys.stderr)
            return 2
        progress.close()
        return report(results, validator.outcomes, sys.stdout, self.show_tracebacks)


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """The options of the check (also used by `python -m autograder check`)."""
    p = parser or argparse.ArgumentParser(
        prog="python -m autograder.student_check",
        description="Run a notebook's public tests as nbgrader's Validate does; print every "
                    "failure in full; exit 1 if one fails, 2 if the notebook cannot be run.")
    p.add_argument("notebooks", nargs="+", metavar="NOTEBOOK", help="notebook(s) to check")
    p.add_argument("--traceback", action="store_true",
                   help="also print the traceback of each failed test cell")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    return p


def run(args: argparse.Namespace) -> int:
    """Check `args.notebooks`; the exit status (0 pass, 1 a check failed, 2 not checkable)."""
    app = CheckApp()
    app.initialize([])
    app.log_level = logging.WARNING
    app.extra_args = list(args.notebooks)
    app.show_tracebacks = args.traceback
    app.quiet = args.quiet
    app.start()
    return app.status


def main(argv: list[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
