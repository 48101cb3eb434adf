"""A value the grader cannot read is never graded as anything else.

Each submission is the solution with a last cell that replaces every function the grader calls
by one that returns a value the exporter cannot turn into data, and every variable it reads by
such a value; no saved model is handed in. Such a function answers nothing, so no check may
pass: in particular a check that a function rejects bad input (by raising) must not take the
exporter's failure to convert a returned value for the function raising.

A first cell turns `Model.fit` into a no-op: nothing training would produce reaches the grader
(the last cell replaces it, and the checks read only the files handed in, of which there are
none), so the notebooks skip the minutes it would take.
"""

from __future__ import annotations

import shutil

import nbformat
import pytest

import course_config
from autograder.checks import assignment_probes, check_points
from autograder.discovery import find_submissions
from autograder.grading import grade
from autograder.scoring.results import SubmissionResult
from samples.bank import Case, cell_last, write_bank

VALUES = {
    # refused as it is: an object of no known kind
    "returns-object": "",
    # its conversion raises ValueError, as a function refusing bad input does
    "returns-unconvertible": "class Unconvertible:\n"
                             "    def __array__(self, *args, **kwargs):\n"
                             "        raise ValueError('not an array')\n\n\n",
}
MAKE = {"returns-object": "object()", "returns-unconvertible": "Unconvertible()"}


def chosen_assignments(config: pytest.Config) -> list[str]:
    """The assignments of --assignments, or all of them."""
    chosen = config.getoption("--assignments")
    return chosen.split(",") if chosen else list(course_config.ASSIGNMENTS)


def unexportable_cell(assignment: str, student: str) -> str:
    """A last cell: every function the grader calls, and every variable it reads, gives an
    unexportable value."""
    probes = assignment_probes(assignment)
    functions = sorted({p["call"] for p in probes if "call" in p})
    variables = sorted({p["global"] for p in probes if "global" in p})
    make = MAKE[student]
    return VALUES[student] + "\n\n".join(
        [f"def {name}(*args, **kwargs):\n    return {make}" for name in functions]
        + [f"{name} = {make}" for name in variables])


NO_TRAINING = "import keras\n\nkeras.Model.fit = lambda self, *args, **kwargs: None"


def _untrained(last: str):
    """The solution, with `last` as its last cell and no training."""
    def build(solution, release):
        notebook = cell_last(last)(solution, release)
        notebook.cells.insert(0, nbformat.v4.new_code_cell(NO_TRAINING))
        return notebook
    return build


@pytest.fixture(scope="module")
def unexportable_results(request: pytest.FixtureRequest,
                         tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every unexportable submission of the chosen assignments, graded in one batch:
    {(student, assignment): result}."""
    out = tmp_path_factory.mktemp("unexportable")
    write_bank(out, [Case(student, assignment, _untrained(unexportable_cell(assignment, student)),
                          files=dict)
                     for assignment in chosen_assignments(request.config) for student in VALUES])
    results: list[SubmissionResult] = grade(find_submissions([out]))
    shutil.rmtree(out, ignore_errors=True)
    return {(r.student, r.assignment): r for r in results}


@pytest.mark.parametrize("student", list(VALUES))
@pytest.mark.parametrize("assignment", list(course_config.ASSIGNMENTS))
def test_unexportable_answers_get_zero(unexportable_results: dict, assignment: str,
                                       student: str) -> None:
    if (student, assignment) not in unexportable_results:
        pytest.skip(f"{assignment} not among --assignments")
    result = unexportable_results[(student, assignment)]
    assert result.problem is None, result.problem
    passed = {c.name for c in result.checks if c.passed}
    assert passed == set(), {c.name: c.message for c in result.checks if c.passed}
    assert result.score == 0
    assert {c.name for c in result.checks} == set(check_points(assignment))
    for c in result.checks:
        assert c.message and "could not evaluate" not in c.message, (c.name, c.message)
