"""Putting the trusted grader's scores into nbgrader's gradebook (formgrader, feedback, export).

Each hidden check has an nbgrader grade cell of the same name and points, so a trusted score
becomes that cell's automatic score; nbgrader's manual grading and export then work as usual.
"""

from __future__ import annotations

import csv
import tempfile
from datetime import datetime
from pathlib import Path

import course_config
from autograder.build import nbgrader, put_alembic_on_path
from autograder.scoring.results import SubmissionResult

TIMESTAMP_BYTES = 64
"""nbgrader's timestamp.txt holds one time (32 characters); anything longer is not one."""


def register_assignment(assignment: str, db_url: str) -> None:
    """Record `assignment`'s notebooks and grade cells in the gradebook (as generate_assignment does)."""
    with tempfile.TemporaryDirectory(prefix="rnnkit-register-") as tmp:
        nbgrader("generate_assignment", assignment, "--force",
                 f"--CourseDirectory.db_url={db_url}",
                 f"--CourseDirectory.release_directory={tmp}")


def submission_timestamp(submitted: Path | None, student: str, assignment: str) -> datetime | None:
    """When `student` submitted `assignment`: nbgrader's timestamp.txt in the submitted/ tree."""
    from nbgrader.utils import parse_utc

    if submitted is None:
        return None
    path = Path(submitted) / student / assignment / "timestamp.txt"
    # The student's side of nbgrader wrote it: read a plain file only, a few bytes of it.
    if path.is_symlink() or not path.is_file():
        return None
    try:
        with open(path, "rb") as file:
            text = file.read(TIMESTAMP_BYTES + 1)
        if len(text) > TIMESTAMP_BYTES:
            return None
        return parse_utc(text.decode("utf-8").strip())
    except (OSError, ValueError, TypeError, OverflowError):
        return None


def read_roster(path: Path | None) -> dict[str, dict[str, str]]:
    """Students' names and emails from a CSV in the format of `nbgrader db student import`
    (columns id, first_name, last_name, email): {id: {field: value}}."""
    if path is None:
        return {}
    with open(path, newline="", encoding="utf-8") as fh:
        return {row["id"].strip(): {k: (row.get(k) or "").strip() or None
                                    for k in ("first_name", "last_name", "email")}
                for row in csv.DictReader(fh) if (row.get("id") or "").strip()}


def _fill_student(gradebook, student: str, roster: dict[str, dict[str, str]]) -> None:
    """Create `student` if need be, and fill in from the roster what the gradebook lacks."""
    record = gradebook.update_or_create_student(student)
    for key, value in roster.get(student, {}).items():
        if value and not getattr(record, key):
            setattr(record, key, value)


def push_scores(results: list[SubmissionResult], db_url: str, submitted: Path | None = None,
                roster: Path | None = None) -> int:
    """Store each result's check scores as nbgrader auto scores; return how many grades were set.

    With `submitted` (nbgrader's submitted/ tree), a submission the gradebook has no time for
    gets the one of its timestamp.txt; with `roster`, a student it has no name or email for
    gets them from there."""
    from nbgrader.api import Gradebook, MissingEntry

    put_alembic_on_path()
    assignments = {r.assignment for r in results if r.assignment in course_config.ASSIGNMENTS}
    with Gradebook(db_url, course_config.COURSE_ID) as gradebook:
        known = {a.name for a in gradebook.assignments}
    for assignment in sorted(assignments - known):
        register_assignment(assignment, db_url)
    count = 0
    students = read_roster(roster)
    with Gradebook(db_url, course_config.COURSE_ID) as gradebook:
        for result in results:
            if result.assignment not in assignments or result.ungraded:
                continue  # an ungraded submission has no score to record, not a 0
            notebook = Path(course_config.ASSIGNMENTS[result.assignment].notebook).stem
            _fill_student(gradebook, result.student, students)
            try:
                submission = gradebook.find_submission(result.assignment, result.student)
            except MissingEntry:
                # nbgrader builds the submission's rows attached to objects of the session
                # before it adds them: an autoflush in between warns (SAWarning, "not in
                # session") about rows it would add a moment later anyway.
                with gradebook.db.no_autoflush:
                    submission = gradebook.add_submission(result.assignment, result.student)
            if submission.timestamp is None:
                submission.timestamp = submission_timestamp(submitted, result.student,
                                                            result.assignment)
            for check in result.checks:
                grade = gradebook.find_grade(check.name, notebook, result.assignment,
                                             result.student)
                grade.auto_score = check.score
                count += 1
            gradebook.db.commit()
    return count
