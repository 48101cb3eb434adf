"""Putting the trusted grader's scores into nbgrader's gradebook (formgrader, feedback, export).

Each hidden check has an nbgrader grade cell of the same name and points, so a trusted score
becomes that cell's automatic score; nbgrader's manual grading and export then work as usual.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import course_config
from autograder.build import nbgrader, put_alembic_on_path
from autograder.scoring.results import SubmissionResult


def register_assignment(assignment: str, db_url: str) -> None:
    """Record `assignment`'s notebooks and grade cells in the gradebook (as generate_assignment does)."""
    with tempfile.TemporaryDirectory(prefix="rnnkit-register-") as tmp:
        nbgrader("generate_assignment", assignment, "--force",
                 f"--CourseDirectory.db_url={db_url}",
                 f"--CourseDirectory.release_directory={tmp}")


def push_scores(results: list[SubmissionResult], db_url: str) -> int:
    """Store each result's check scores as nbgrader auto scores; return how many grades were set."""
    from nbgrader.api import Gradebook, MissingEntry

    put_alembic_on_path()
    assignments = {r.assignment for r in results if r.assignment in course_config.ASSIGNMENTS}
    with Gradebook(db_url, course_config.COURSE_ID) as gradebook:
        known = {a.name for a in gradebook.assignments}
    for assignment in sorted(assignments - known):
        register_assignment(assignment, db_url)
    count = 0
    with Gradebook(db_url, course_config.COURSE_ID) as gradebook:
        for result in results:
            if result.assignment not in assignments or result.ungraded:
                continue  # an ungraded submission has no score to record, not a 0
            notebook = Path(course_config.ASSIGNMENTS[result.assignment].notebook).stem
            gradebook.update_or_create_student(result.student)
            try:
                gradebook.find_submission(result.assignment, result.student)
            except MissingEntry:
                gradebook.add_submission(result.assignment, result.student)
            for check in result.checks:
                grade = gradebook.find_grade(check.name, notebook, result.assignment,
                                             result.student)
                grade.auto_score = check.score
                count += 1
            gradebook.db.commit()
    return count
