"""Hidden checks, one package per assignment, and the library they share.

Each assignment package has `probes.py` (what the student's process must export) and a pytest
module whose test functions are the graded checks. A check takes one fixture, `art` (the
submission's artefacts), so the same function runs under pytest and inside nbgrader's kernel.
"""

from __future__ import annotations

import importlib
from types import ModuleType


def assignment_checks(assignment: str) -> ModuleType:
    """The module holding the checks of `assignment`."""
    return importlib.import_module(f"autograder.checks.{assignment}.test_{assignment}")


def assignment_probes(assignment: str) -> list[dict]:
    """The probes `assignment`'s checks read, as plain data for the student's process."""
    return importlib.import_module(f"autograder.checks.{assignment}.probes").PROBES


def check_points(assignment: str) -> dict[str, float]:
    """Each check of `assignment` (named without `test_`) with the points it is worth."""
    module = assignment_checks(assignment)
    return {name.removeprefix("test_"): float(getattr(module, name).pytestmark[0].kwargs["points"])
            for name in dir(module) if name.startswith("test_")}
