"""Finding submissions: a notebook, an assignment folder, or nbgrader's submitted/ tree."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from course_config import ASSIGNMENTS


@dataclass(frozen=True)
class Submission:
    """One student's notebook for one assignment."""

    student: str
    assignment: str | None
    """None when the grader cannot tell which assignment the notebook is for."""
    notebook: Path

    @property
    def key(self) -> str:
        return f"{self.student}/{self.assignment or '?'}/{self.notebook.name}"


class DiscoveryError(Exception):
    """A path given to the grader does not exist or holds no notebook."""


def _assignment_of(notebook: Path) -> str | None:
    if notebook.parent.name in ASSIGNMENTS:
        return notebook.parent.name
    for assignment in ASSIGNMENTS.values():
        if notebook.name == assignment.notebook:
            return assignment.name
    return None


def _student_of(notebook: Path, root: Path) -> str:
    parts = notebook.relative_to(root).parts if notebook != root else ()
    if len(parts) >= 3:  # submitted/<student>/<assignment>/<notebook>
        return parts[-3]
    if len(parts) == 2:  # <student>/<assignment folder>/... given as the student's folder
        return root.name
    folder = notebook.parent
    if folder.name in ASSIGNMENTS and folder.parent.name:
        return folder.parent.name
    return notebook.stem


def find_submissions(paths: list[Path]) -> list[Submission]:
    """Every notebook under `paths`, with the student and assignment it belongs to."""
    found: dict[Path, Submission] = {}
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise DiscoveryError(f"{path}: no such file or folder")
        if path.is_file():
            notebooks, root = [path], path
        else:
            notebooks = sorted(p for p in path.rglob("*.ipynb")
                               if ".ipynb_checkpoints" not in p.parts and p.is_file())
            root = path
            if not notebooks:
                raise DiscoveryError(f"{path}: holds no notebook (.ipynb)")
        for notebook in notebooks:
            resolved = notebook.resolve()
            found.setdefault(resolved, Submission(
                _student_of(notebook, root), _assignment_of(notebook), notebook))
    return sorted(found.values(), key=lambda s: (s.assignment or "", s.student, s.notebook.name))
