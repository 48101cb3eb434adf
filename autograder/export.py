"""Exports of trusted results: CSV for a spreadsheet, and Gradescope's autograder results.

An ungraded submission (the grader, not the student, kept it from being graded: JSON score
null) is never written as 0: the CSVs say `ungraded`, and Gradescope gets no results.json for
it, only an UNGRADED file that says why.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import course_config
from autograder.feedback import scrub
from autograder.reports import write_atomic
from autograder.safetext import printable, spreadsheet_safe
from autograder.scoring.results import SubmissionResult

UNGRADED = "ungraded"


def _csv_text(rows: list[list]) -> str:
    """`rows` as CSV, every cell a spreadsheet could run as a formula written as text: names
    and messages are the students' (a folder named `=HYPERLINK(...)`). Lines end in CRLF, as
    RFC 4180 says: the csv module then quotes a cell holding a CR too, which would otherwise
    start a row of its own."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerows(
        [spreadsheet_safe(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def assignments_of(results: list[SubmissionResult]) -> list[str]:
    """The assignments in `results`, in the course's order (unknown ones last, by name)."""
    found = {r.assignment for r in results}
    known = [a for a in course_config.ASSIGNMENTS if a in found]
    return known + sorted(found - set(known))


def totals_rows(results: list[SubmissionResult]) -> list[list]:
    """One row per student: the student, then each assignment's total (`ungraded`, or empty
    when the student handed nothing in), and the points each assignment is out of."""
    assignments = assignments_of(results)
    out_of = {a: max((r.max_score for r in results if r.assignment == a), default=0)
              for a in assignments}
    header = ["student", *assignments, *(f"{a} max" for a in assignments)]
    by_student: dict[str, dict[str, str | float]] = {}
    for r in results:
        cell = UNGRADED if r.ungraded else f"{r.score:g}"
        by_student.setdefault(r.student, {})[r.assignment] = cell
    rows = [header]
    for student in sorted(by_student):
        row = [student, *(by_student[student].get(a, "") for a in assignments)]
        rows.append(row + [f"{out_of[a]:g}" for a in assignments])
    return rows


def checks_rows(results: list[SubmissionResult]) -> list[list]:
    """One row per check of each submission (one row with status `ungraded` for a submission
    that has no score)."""
    rows = [["student", "assignment", "notebook", "status", "check", "score", "max_score",
             "passed", "measured", "message"]]
    for r in sorted(results, key=lambda r: (r.student, r.assignment)):
        if r.ungraded:
            rows.append([r.student, r.assignment, r.notebook, UNGRADED, "", "", r.max_score, "",
                         "", scrub(r.ungraded)])
            continue
        for c in r.checks:
            rows.append([r.student, r.assignment, r.notebook, "graded", c.name, c.score,
                         c.max_score, c.passed,
                         json.dumps(c.measured, sort_keys=True) if c.measured else "",
                         scrub(c.message)])
    return rows


def checks_csv_path(csv_path: Path) -> Path:
    """Where the per-check CSV goes beside the totals: OUT.csv -> OUT-checks.csv."""
    csv_path = Path(csv_path)
    return csv_path.with_name(f"{csv_path.stem}-checks{csv_path.suffix or '.csv'}")


def write_csv(results: list[SubmissionResult], path: Path) -> tuple[Path, Path]:
    """The totals CSV at `path` and the per-check CSV beside it; return both paths."""
    path = Path(path)
    write_atomic(path, _csv_text(totals_rows(results)))
    write_atomic(checks_csv_path(path), _csv_text(checks_rows(results)))
    return path, checks_csv_path(path)


def gradescope_results(result: SubmissionResult) -> dict:
    """`result` in Gradescope's autograder format (results/results.json)."""
    tests = []
    for number, c in enumerate(result.checks, 1):
        output = "passed" if c.passed else scrub(c.message)
        if c.measured:
            output += "\nmeasured by the grader: " + ", ".join(
                f"{name} = {value:.4g}" for name, value in sorted(c.measured.items()))
        tests.append({"name": c.name, "number": str(number), "score": c.score,
                      "max_score": c.max_score, "output": output, "visibility": "visible"})
    data = {"score": result.score, "execution_time": round(result.seconds),
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}
    if result.problem:
        data["output"] = scrub(result.problem)
    return data


def write_gradescope(results: list[SubmissionResult], out: Path) -> tuple[list[Path], list[Path]]:
    """`out/<student>/<assignment>/results.json` per graded submission, and an UNGRADED file
    instead for each ungraded one; return (results files, ungraded files)."""
    written, ungraded = [], []
    for r in results:
        folder = Path(out) / r.student / r.assignment
        if r.ungraded:
            stale = folder / "results.json"
            if stale.exists():
                stale.unlink()  # a score from an earlier export must not stand for this one
            path = folder / "UNGRADED"
            write_atomic(path, f"not graded, through no fault of the student: "
                               f"{printable(scrub(r.ungraded))}\n")
            ungraded.append(path)
            continue
        path = folder / "results.json"
        write_atomic(path, json.dumps(gradescope_results(r), indent=2, ensure_ascii=False))
        written.append(path)
    return written, ungraded
