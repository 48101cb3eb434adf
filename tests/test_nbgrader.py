"""nbgrader's own path: Validate for students, and autograde totals equal to the trusted grader's."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import course_config
from autograder.build import nbgrader

ROOT = Path(course_config.ROOT)
ASSIGNMENT = "onehot"
NOTEBOOK = course_config.ASSIGNMENTS[ASSIGNMENT].notebook


def validate(notebook: Path) -> str:
    """What `nbgrader validate` tells a student about `notebook` (it exits 0 either way)."""
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", "validate", str(notebook)],
        capture_output=True, text=True, cwd=notebook.parent,
    )
    return proc.stdout + proc.stderr


def test_validate_passes_the_solution_and_flags_the_blank_release(tmp_path: Path) -> None:
    solution = tmp_path / "solution" / NOTEBOOK
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, solution.parent)
    assert "Success! Your notebook passes all the tests." in validate(solution)
    blank = tmp_path / "blank" / NOTEBOOK
    shutil.copytree(ROOT / "release" / ASSIGNMENT, blank.parent)
    report = validate(blank)
    assert "VALIDATION FAILED" in report and "NotImplementedError" in report


@pytest.mark.parametrize("assignment,mistakes", [
    ("onehot", ("mistake-unsorted-vocabulary", "mistake-one-hot-float64")),
    # saved model files; opt-in (--runslow): nbgrader runs notebooks one at a time
    pytest.param("addition", ("mistake-saved-another-model", "mistake-no-repeat-vector"),
                 marks=pytest.mark.slow),
    pytest.param("stocks", ("mistake-test-windows-start-at-split",
                            "mistake-price-model-handed-in"), marks=pytest.mark.slow),
    pytest.param("textgen", ("mistake-sample-argmax", "mistake-first-layer-without-sequences"),
                 marks=pytest.mark.slow),
])
def test_nbgrader_autograde_totals_equal_the_trusted_grader(sample_result, tmp_path: Path,
                                                             assignment: str,
                                                             mistakes: tuple) -> None:
    """Same notebooks, two graders: nbgrader's in-kernel run and the sandboxed trusted one."""
    from nbgrader.api import Gradebook

    students = ["solution", "blank-release", *mistakes]
    course = tmp_path / "course"
    shutil.copytree(ROOT / "source" / assignment, course / "source" / assignment)
    db = f"sqlite:///{tmp_path}/gradebook.db"
    settings = (f"--CourseDirectory.root={course}", f"--CourseDirectory.db_url={db}")
    nbgrader("generate_assignment", assignment, "--force", *settings)
    samples = tmp_path / "samples"
    from autograder.samples import write_samples

    for path in write_samples([assignment], samples):
        student = path.parts[-3]
        if student in students:
            shutil.copytree(path.parent, course / "submitted" / student / assignment)
    nbgrader("autograde", assignment, "--force", *settings)
    with Gradebook(db) as gradebook:
        for student in students:
            submission = gradebook.find_submission(assignment, student)
            trusted = sample_result(student, assignment)
            assert (submission.score, submission.max_score) == pytest.approx(
                (trusted.score, trusted.max_score)), student


def test_trusted_scores_go_into_nbgrader_gradebook(sample_result, tmp_path: Path) -> None:
    from nbgrader.api import Gradebook

    from autograder.gradebook import push_scores

    chosen = [sample_result(student, ASSIGNMENT)
              for student in ("solution", "blank-release", "mistake-one-hot-float64")]
    db = f"sqlite:///{tmp_path}/gradebook.db"
    assert push_scores(chosen, db) == sum(len(r.checks) for r in chosen)
    with Gradebook(db) as gradebook:
        for result in chosen:
            submission = gradebook.find_submission(ASSIGNMENT, result.student)
            assert (submission.score, submission.max_score) == (result.score, result.max_score)
