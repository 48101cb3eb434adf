"""Hidden checks inside nbgrader's kernel: the bridge its autograded test cells call.

``nbgrader autograde`` runs hidden tests in the student's own kernel, as the instructor, so the
student's code can tamper with them (see the README). This bridge makes the scores agree with the
trusted grader: it exports the same probes through the same codec and runs the same check.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from autograder.boundary import Artefacts
from autograder.checks import assignment_checks, assignment_probes
from autograder.sandbox.exporter import export
from autograder.scoring.plugin import student_message


def run_check(assignment: str, name: str, namespace: dict[str, Any]) -> None:
    """Run check `name` of `assignment` on the notebook `namespace`; raise AssertionError if it fails."""
    test = getattr(assignment_checks(assignment), f"test_{name}")
    headline = test.pytestmark[0].kwargs["failure"]
    probes = assignment_probes(assignment)
    with tempfile.TemporaryDirectory(prefix="rnnkit-") as tmp:
        export(probes, tmp, namespace)
        try:
            # nbgrader runs in the submission's folder, next to the files handed in
            test(Artefacts(Path(tmp), saved=Path.cwd(), probes=probes))
        except Exception as exc:
            raise AssertionError(student_message(headline, exc)) from None
    print(f"{name}: passed")
