"""Assignment 2, windows: the notebook, its hidden checks and its samples agree.

The fast tests read files only: every hidden check has one autograded cell worth the same
points, the grader's reference data matches the notebook's given code, and the sentence can be
learnt exactly. The sample grades themselves are tested with every assignment's in test_sample_grades.py.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import nbformat
import numpy as np

import course_config
from autograder.checks import check_points
from autograder.checks.windows import cases

ROOT = Path(course_config.ROOT)
ASSIGNMENT = "windows"
SETTINGS = course_config.ASSIGNMENTS[ASSIGNMENT]
SOURCE = ROOT / "source" / ASSIGNMENT / SETTINGS.notebook
CHECKS = ROOT / "autograder" / "checks" / ASSIGNMENT / f"test_{ASSIGNMENT}.py"


def declared_checks() -> dict[str, float]:
    return check_points(ASSIGNMENT)


def _cell(grade_id: str) -> nbformat.NotebookNode:
    notebook = nbformat.read(str(SOURCE), as_version=4)
    return next(cell for cell in notebook.cells
                if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


# --- fast: files only -------------------------------------------------------------------------

def test_each_check_has_one_autograded_cell_with_its_points() -> None:
    checks = declared_checks()
    assert len(checks) >= 10 and sum(checks.values()) == 20
    notebook = nbformat.read(str(SOURCE), as_version=4)
    graded = {}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            graded[meta["grade_id"]] = meta["points"]
            assert meta["locked"] and not meta["solution"]
            assert cell.source.endswith(
                "### BEGIN HIDDEN TESTS\nfrom autograder.inkernel import run_check\n"
                f'run_check("{ASSIGNMENT}", "{meta["grade_id"]}", globals())\n'
                "### END HIDDEN TESTS"), meta["grade_id"]
    assert graded == checks


def test_solution_cells_follow_the_conventions() -> None:
    notebook = nbformat.read(str(SOURCE), as_version=4)
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
    source = "\n".join(cell.source for cell in notebook.cells)
    assert "input_shape=" not in source and re.search(r"\blr\s*=", source) is None


def test_grader_series_is_the_notebooks_make_series() -> None:
    namespace: dict = {"np": np, "SEED": 42}
    exec(_cell("make_series").source.replace('print(', 'str('), namespace)
    assert np.array_equal(namespace["series"], cases.noisy_sine(1000, 42))
    assert np.array_equal(namespace["make_series"](1000, cases.GRADER_SINE_SEED),
                          cases.noisy_sine())
    assert namespace["TRAIN_SIZE"] == cases.TRAIN_SIZE


def test_reference_windows_and_split_rule() -> None:
    inputs, targets = cases.windows(np.arange(1, 9), 3)
    assert inputs.tolist() == [[1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6], [5, 6, 7]]
    assert targets.tolist() == [4, 5, 6, 7, 8]
    series = np.arange(1000.0)  # each value is its own index
    x_train, y_train, x_test, y_test = cases.split(series, 4, 800)
    assert x_train.max() < 800 and y_train.max() < 800 and x_train.shape == (796, 4)
    assert y_test.tolist() == list(range(800, 1000)) and x_test[0].tolist() == [796, 797, 798, 799]


def test_the_sentence_can_be_learnt_exactly() -> None:
    successors = defaultdict(set)
    text, size = cases.SENTENCE, cases.CHAR_SIZE
    for i in range(len(text) - size):
        successors[text[i:i + size]].add(text[i + size])
    assert all(len(nexts) == 1 for nexts in successors.values())
    assert f'SENTENCE = "{text}"' in _cell("sentence").source


# --- the graded samples (solution, blank and every variant: tests/test_sample_grades.py) ------

def test_the_leak_names_the_test_index(graded_samples: dict) -> None:
    result = graded_samples[("mistake-windows-overlap-test", ASSIGNMENT)]
    message = next(c.message for c in result.checks
                   if c.name == "split_keeps_test_out_of_training")
    assert "series[803]" in message and "test value" in message
