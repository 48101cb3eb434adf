"""Opt-in (--calibrate): the reference solutions, trained with several seeds on CPU, clear every
threshold of course_config.py. This is how the thresholds were set: each is the worst result
over CALIBRATION_SEEDS with a margin; if this fails, the margin is gone."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

import course_config
from autograder.build import solution_notebook
from autograder.discovery import find_submissions
from autograder.grading import grade

pytestmark = pytest.mark.calibration
SEED_LINE = f"SEED = {course_config.SEED}"


@pytest.mark.parametrize("assignment", list(course_config.ASSIGNMENTS))
def test_reference_solution_clears_thresholds_at_every_seed(assignment: str,
                                                           tmp_path: Path) -> None:
    name = course_config.ASSIGNMENTS[assignment].notebook
    reference = solution_notebook(Path(course_config.ROOT) / "source" / assignment / name)
    setup = [c for c in reference.cells if SEED_LINE in c.source]
    assert len(setup) == 1, f"{assignment}: the setup cell should set {SEED_LINE}"
    for seed in course_config.CALIBRATION_SEEDS:
        setup[0].source = setup[0].source.replace(SEED_LINE, f"SEED = {seed}")
        folder = tmp_path / f"seed{seed}" / assignment
        folder.mkdir(parents=True)
        nbformat.write(reference, str(folder / name))
        setup[0].source = setup[0].source.replace(f"SEED = {seed}", SEED_LINE)
    results = grade(find_submissions([tmp_path]))
    failed = {(r.student, c.name): c.message for r in results for c in r.checks if not c.passed}
    assert failed == {}
