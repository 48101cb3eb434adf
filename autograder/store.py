"""The grade store: one file per graded submission, written atomically as grading goes.

A crash or Ctrl-C loses nothing already graded; a re-run skips submissions whose notebook
(by content hash) and checks are unchanged since they were stored.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import course_config
from autograder.reports import write_atomic
from autograder.scoring.results import SubmissionResult

CHECKS_DIR = Path(__file__).with_name("checks")


def checks_version(assignment: str) -> str:
    """Hash of everything a grade depends on besides the notebook: the checks and the settings."""
    digest = hashlib.sha256()
    files = [*sorted((CHECKS_DIR / assignment).rglob("*.py")), CHECKS_DIR / "lib.py",
             Path(course_config.ROOT) / "course_config.py"]
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def file_name_for(name: str) -> str:
    """A file name for `name`: readable, and distinct for distinct names (two students whose
    names differ only in characters a file name cannot hold never share a stored result)."""
    tag = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{re.sub(r'[^A-Za-z0-9._-]', '_', name)[:80]}-{tag}"


class GradeStore:
    """Stored results under `directory`/<assignment>/<student>/<notebook>.json."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _path(self, student: str, assignment: str, notebook: str) -> Path:
        return (self.directory / file_name_for(assignment) / file_name_for(student)
                / f"{file_name_for(notebook)}.json")

    def get(self, student: str, assignment: str, notebook: str, digest: str,
            version: str) -> SubmissionResult | None:
        """The stored result, if it graded this very notebook with these very checks."""
        path = self._path(student, assignment, notebook)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("digest") != digest or data.get("checks_version") != version:
            return None
        return SubmissionResult.from_dict(data)

    def put(self, result: SubmissionResult, version: str) -> None:
        data = result.to_dict() | {"checks_version": version}
        write_atomic(self._path(result.student, result.assignment, result.notebook),
                     json.dumps(data, indent=2, ensure_ascii=False))
