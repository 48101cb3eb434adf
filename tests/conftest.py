"""Shared fixtures of the kit's own test suite, and the opt-in markers."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

import course_config

ROOT = Path(course_config.ROOT)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", help="also run tests marked slow")
    parser.addoption("--calibrate", action="store_true",
                     help="also re-measure the accuracy thresholds (several seeds, minutes)")
    parser.addoption("--assignments", default="",
                     help="comma-separated: grade only these assignments' samples")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "slow" in item.keywords and not config.getoption("--runslow"):
            item.add_marker(pytest.mark.skip(reason="slow: run with --runslow"))
        if "calibration" in item.keywords and not config.getoption("--calibrate"):
            item.add_marker(pytest.mark.skip(reason="calibration: run with --calibrate"))


@pytest.fixture(scope="session")
def graded_samples(request: pytest.FixtureRequest,
                   tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every bundled sample submission, graded in one batch: {(student, assignment): result}."""
    from autograder.discovery import find_submissions
    from autograder.grading import grade
    from autograder.samples import write_samples

    chosen = request.config.getoption("--assignments")
    names = chosen.split(",") if chosen else list(course_config.ASSIGNMENTS)
    out = tmp_path_factory.mktemp("samples")
    write_samples(names, out)
    results = grade(find_submissions([out]))
    return {(r.student, r.assignment): r for r in results}


@pytest.fixture
def sample_result(graded_samples: dict):
    """The graded result of one sample: sample_result(student, assignment)."""
    def get(student: str, assignment: str):
        if (student, assignment) not in graded_samples:
            pytest.skip(f"{assignment} not among --assignments")
        return graded_samples[(student, assignment)]
    return get


@pytest.fixture
def check_message(tmp_path: Path):
    """check_message(assignment, check, **functions): the message `check` fails with for a
    notebook that defines only `functions` ('' if it passes), and the variables among them
    (DIGITS=3) its probes read. They are exported in-process as the sandbox exports them: no
    notebook, no kernel."""
    from autograder.boundary import Artefacts
    from autograder.checks import assignment_probes
    from autograder.checks.lib import CheckFailed
    from autograder.sandbox.exporter import export

    runs = itertools.count()

    def run(assignment: str, check, **functions) -> str:
        folder = tmp_path / f"export{next(runs)}"
        probes = [p for p in assignment_probes(assignment)
                  if p.get("call", p.get("global")) in functions]
        export(probes, str(folder), functions)
        try:
            check(Artefacts(folder, probes=probes))
        except CheckFailed as failed:
            return str(failed)
        return ""
    return run


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A scratch copy of nothing: a temporary folder for one test."""
    yield tmp_path
    shutil.rmtree(tmp_path, ignore_errors=True)
