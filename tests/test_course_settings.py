"""nbgrader itself, run from the course root with no flags, sees the course's settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import course_config

ROOT = Path(course_config.ROOT)

PROBE = """
import json, sys
sys.argv = ["nbgrader", *sys.argv[1:]]
from nbgrader.apps.baseapp import NbGrader
from nbgrader.preprocessors import Execute, IgnorePattern
app = NbGrader()
app.initialize([])
ignore, execute = IgnorePattern(parent=app), Execute(parent=app)
print(json.dumps({
    "course_id": app.coursedir.course_id,
    "solution_directory": app.coursedir.solution_directory,
    "ignore_enabled": ignore.enabled, "ignore_pattern": ignore.pattern,
    "timeout": execute.timeout, "exchange": app.config.Exchange.root,
    "feedback": [str(p) for p in app.config.GenerateFeedback.preprocessors],
}))
"""


def resolved(*argv: str, env: dict | None = None) -> dict:
    """What nbgrader's own config loading resolves in the course root, for `nbgrader argv`."""
    proc = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_nbgrader_sees_course_id_ignore_pattern_timeout_and_exchange() -> None:
    settings = resolved("autograde", "windows", env={"RNNKIT_EXCHANGE": "/tmp/an-exchange"})
    assert settings["course_id"] == course_config.COURSE_ID
    assert settings["solution_directory"] == "solutions"
    assert settings["ignore_enabled"] is True
    assert settings["ignore_pattern"] == course_config.TF_STDERR_PATTERN
    assert settings["timeout"] == course_config.ASSIGNMENTS["windows"].cell_wall_seconds
    assert settings["exchange"] == "/tmp/an-exchange"
    assert "autograder.nbgrader_feedback.HideHiddenTests" in settings["feedback"]


@pytest.mark.parametrize("argv,assignment", [
    (["autograde", "--assignment=sentiment"], "sentiment"),
    (["generate_feedback", "onehot", "--force"], "onehot"),
    (["db", "student", "list"], None),
])
def test_the_cell_timeout_is_the_assignments(argv: list[str], assignment: str | None) -> None:
    assert course_config.assignment_in(["nbgrader", *argv]) == assignment
    assert course_config.cell_timeout(assignment) == (
        course_config.ASSIGNMENTS[assignment].cell_wall_seconds if assignment else
        max(a.cell_wall_seconds for a in course_config.ASSIGNMENTS.values()))


def test_the_exchange_has_a_default() -> None:
    code = "import course_config; print(course_config.EXCHANGE_ROOT)"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={k: v for k, v in os.environ.items() if k != "RNNKIT_EXCHANGE"},
                          check=False)
    assert proc.stdout.strip() == "/srv/nbgrader/exchange"


def test_the_build_passes_no_ignored_flag() -> None:
    assert '"--config"' not in (ROOT / "autograder" / "build.py").read_text()
