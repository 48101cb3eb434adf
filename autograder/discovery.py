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
    found: tuple[str, ...] | None = None
    """For an assignment folder without a notebook: the names of what it holds (`notebook`
    is then the notebook it should hold); None for a real notebook."""

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


def _is_notebook(path: Path) -> bool:
    return path.suffix == ".ipynb" and ".ipynb_checkpoints" not in path.parts and path.is_file()


def _empty_assignment_folders(root: Path) -> list[Submission]:
    """Assignment folders under `root` (or `root` itself) that hold no notebook: each is a
    submission with nothing to grade, reported rather than dropped."""
    folders = [root, *root.rglob("*")]
    empty = []
    for folder in folders:
        if (folder.is_dir() and not folder.is_symlink() and folder.name in ASSIGNMENTS
                and ".ipynb_checkpoints" not in folder.parts
                and not any(_is_notebook(p) for p in folder.rglob("*.ipynb"))):
            expected = folder / ASSIGNMENTS[folder.name].notebook
            found = tuple(sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                                 if p.is_file()))
            empty.append(Submission(_student_of(expected, root), folder.name, expected, found))
    return empty


def find_submissions(paths: list[Path]) -> list[Submission]:
    """Every notebook under `paths`, with the student and assignment it belongs to, and every
    assignment folder that holds no notebook."""
    found: dict[Path, Submission] = {}
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise DiscoveryError(f"{path}: no such file or folder")
        if path.is_file():
            notebooks, root = [path], path
        else:
            notebooks = sorted(p for p in path.rglob("*.ipynb") if _is_notebook(p))
            root = path
            empty = _empty_assignment_folders(path)
            if not notebooks and not empty:
                raise DiscoveryError(f"{path}: holds no notebook (.ipynb)")
            for sub in empty:
                found.setdefault(sub.notebook.resolve(), sub)
        for notebook in notebooks:
            resolved = notebook.resolve()
            found.setdefault(resolved, Submission(
                _student_of(notebook, root), _assignment_of(notebook), notebook))
    return sorted(found.values(), key=lambda s: (s.assignment or "", s.student, s.notebook.name))
