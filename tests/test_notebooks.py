"""Every source notebook follows the kit's conventions (files only, fast).

One autograded cell per hidden check, worth the check's points and ending with the bridge to
it; solution cells marked for nbgrader; no outputs; unique cell ids; Keras 3 idioms.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

import course_config
from autograder.checks import check_points

ROOT = Path(course_config.ROOT)
ASSIGNMENTS = list(course_config.ASSIGNMENTS)


def _source(assignment: str) -> nbformat.NotebookNode:
    settings = course_config.ASSIGNMENTS[assignment]
    return nbformat.read(str(ROOT / "source" / assignment / settings.notebook), as_version=4)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_check_has_one_autograded_cell_with_its_points(assignment: str) -> None:
    checks = check_points(assignment)
    assert len(checks) >= 8
    graded = {}
    for cell in _source(assignment).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            assert meta["grade_id"] not in graded, meta["grade_id"]
            graded[meta["grade_id"]] = meta["points"]
            assert meta["locked"] and not meta["solution"]
            assert cell.source.endswith(
                "### BEGIN HIDDEN TESTS\nfrom autograder.inkernel import run_check\n"
                f'run_check("{assignment}", "{meta["grade_id"]}", globals())\n'
                "### END HIDDEN TESTS"), meta["grade_id"]
    assert graded == checks


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_cells_follow_the_conventions(assignment: str) -> None:
    notebook = _source(assignment)
    assert notebook.nbformat == 4 and notebook.nbformat_minor == 5
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    ids = [cell.get("id") for cell in notebook.cells]
    assert all(ids) and len(set(ids)) == len(ids)
    for cell in notebook.cells:
        assert cell.cell_type != "code" or not cell.get("outputs")
        meta = cell.metadata["nbgrader"]
        if meta["solution"]:
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
            assert not meta["grade"] and not meta["locked"], meta["grade_id"]
    source = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "input_shape=" not in source and re.search(r"\blr\s*=", source) is None
    assert "SEED = 42" in source and "keras.utils.set_random_seed(SEED)" in source


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_notebook_that_saves_a_model_loads_it_instead_of_training(assignment: str) -> None:
    settings = course_config.ASSIGNMENTS[assignment]
    source = "\n".join(cell.source for cell in _source(assignment).cells)
    for name in settings.saved_files:
        assert name in source
    if settings.saved_files:
        assert "exists(" in source and "keras.saving.load_model(" in source
