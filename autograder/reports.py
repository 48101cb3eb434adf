"""Reports of grading results: one function per format."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from autograder.safetext import printable
from autograder.scoring.results import SubmissionResult


def table(results: list[SubmissionResult], details: bool = True) -> str:
    """A plain-text grade table, with each failed check's message under its submission.

    Names, paths and messages hold what students chose (folder and file names): every one is
    shown with its control characters escaped, so none can move the cursor, rewrite a line or
    retitle the instructor's terminal.
    """
    if not results:
        return "no submissions"
    headers = ("student", "assignment", "score", "failed checks")
    rows = []
    for r in results:
        failed = [c.name for c in r.checks if not c.passed]
        if r.ungraded:
            rows.append((printable(r.student), printable(r.assignment), "ungraded", ""))
            continue
        rows.append((printable(r.student), printable(r.assignment),
                     f"{r.score:g}/{r.max_score:g}",
                     printable(", ".join(failed)) if len(failed) <= 3
                     else f"{len(failed)} checks"))
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers[:3])]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers[:3], widths)) + "  " + headers[3]]
    lines.append("  ".join("-" * w for w in widths) + "  " + "-" * len(headers[3]))
    for r, row in zip(results, rows):
        lines.append("  ".join(v.ljust(w) for v, w in zip(row[:3], widths)) + "  " + row[3])
        if r.ungraded:
            lines.append("    ! not graded, through no fault of the student: "
                         f"{printable(r.ungraded)}")
            continue
        if details and r.problem:
            lines.append(f"    ! {printable(r.problem)}")
        if details and r.note:
            lines.append(f"    ~ {printable(r.note)}")
        if details:
            for c in r.checks:
                if not c.passed and not (r.problem and r.problem in c.message):
                    lines.append(f"    - {printable(c.name)} (-{c.max_score:g}): "
                                 f"{printable(c.message)}")
    return "\n".join(lines)


def to_json(results: list[SubmissionResult]) -> dict:
    return {"submissions": [r.to_dict() for r in results]}


def write_json(results: list[SubmissionResult], path: Path) -> None:
    """Write the JSON report atomically (a crash never leaves half a file)."""
    write_atomic(Path(path), json.dumps(to_json(results), indent=2, ensure_ascii=False))


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
