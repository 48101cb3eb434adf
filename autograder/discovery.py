"""Finding submissions: a notebook, an assignment folder, a student's folder or nbgrader's
submitted/ tree, and nothing else.

Who a submission belongs to is read only from the levels of a folder that the instructor's
tools make (nbgrader's `submitted/<student>/<assignment>/`), never from what a student put
inside their own assignment folder: a notebook deeper down, or one beside the assignment's own,
is listed as ignored and graded as nobody. Folders are walked to a bounded depth and breadth,
links are not followed, and each (student, assignment) has exactly one submission.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from autograder.safetext import printable
from course_config import ASSIGNMENTS

MAX_LISTED = 2000
"""Entries read from one assignment folder (and its subfolders) when looking for notebooks."""
MAX_DEPTH = 8
"""How deep below an assignment folder notebooks are looked for, to list them as ignored."""
CHECKPOINTS = ".ipynb_checkpoints"


@dataclass(frozen=True)
class Submission:
    """One student's notebook for one assignment."""

    student: str
    assignment: str | None
    """None when the grader cannot tell which assignment the notebook is for."""
    notebook: Path
    found: tuple[str, ...] | None = None
    """For an assignment folder without a notebook to grade: the names of what it holds
    (`notebook` is then the notebook it should hold); None for a real notebook."""
    problem: str | None = None
    """Why the folder cannot be graded as handed in (several notebooks, none named as
    released); None when it can."""

    @property
    def key(self) -> str:
        return f"{self.student}/{self.assignment or '?'}/{self.notebook.name}"


@dataclass
class Found:
    """What a search found: the submissions, and what it left out and why."""

    submissions: list[Submission] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    """Notebooks outside the documented layouts, or beside an assignment's own notebook:
    `path: why`, with control characters escaped."""


class DiscoveryError(Exception):
    """A path given to the grader does not exist, holds no notebook, or two paths give one
    student two submissions of one assignment."""


def _entries(folder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as scan:
            return sorted((entry for _, entry in zip(range(MAX_LISTED), scan)),
                          key=lambda entry: entry.name)
    except OSError:
        return []


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _is_notebook(entry: os.DirEntry) -> bool:
    try:
        return entry.name.endswith(".ipynb") and entry.is_file(follow_symlinks=False)
    except OSError:
        return False


def _folders(folder: Path) -> list[os.DirEntry]:
    return [entry for entry in _entries(folder)
            if _is_dir(entry) and entry.name != CHECKPOINTS]


def _deeper_notebooks(folder: Path, budget: list[int]) -> list[Path]:
    """Notebooks in the subfolders of `folder` (bounded by depth and by `budget` entries)."""
    found: list[Path] = []
    stack = [(Path(entry.path), 1) for entry in _folders(folder)]
    while stack and budget[0] > 0:
        here, depth = stack.pop()
        for entry in _entries(here):
            budget[0] -= 1
            if _is_notebook(entry):
                found.append(Path(entry.path))
            elif _is_dir(entry) and entry.name != CHECKPOINTS and depth < MAX_DEPTH:
                stack.append((Path(entry.path), depth + 1))
    return sorted(found)


def _shown(path: Path) -> str:
    return printable(path)


def _assignment_folder(folder: Path, student: str, assignment: str, out: Found) -> None:
    """The one submission of `student` for `assignment` in `folder`: its notebook as released,
    else its only notebook (a renamed copy), else a submission with nothing to grade."""
    expected = folder / ASSIGNMENTS[assignment].notebook
    entries = _entries(folder)
    notebooks = [Path(entry.path) for entry in entries if _is_notebook(entry)]
    links = [Path(entry.path) for entry in entries
             if entry.name.endswith(".ipynb") and entry.is_symlink()]
    deeper = _deeper_notebooks(folder, [MAX_LISTED])
    out.ignored += [f"{_shown(path)}: a link, not a file" for path in links]
    out.ignored += [f"{_shown(path)}: below the assignment folder" for path in deeper]
    if expected in notebooks or len(notebooks) == 1:
        chosen = expected if expected in notebooks else notebooks[0]
        out.ignored += [f"{_shown(path)}: not the assignment's notebook ({expected.name})"
                        for path in notebooks if path != chosen]
        out.submissions.append(Submission(student, assignment, chosen))
    elif notebooks:
        names = ", ".join(printable(path.name) for path in notebooks[:5])
        out.submissions.append(Submission(
            student, assignment, expected, problem=(
                f"the folder holds {len(notebooks)} notebooks ({names}) and none is named "
                f"{expected.name}: hand in one notebook, named as released")))
    else:
        listed = [entry.name for entry in entries if not _is_dir(entry)]
        out.submissions.append(Submission(student, assignment, expected,
                                          found=tuple(printable(name) for name in listed)))


def _student_folder(folder: Path, student: str, out: Found) -> None:
    for entry in _entries(folder):
        path = Path(entry.path)
        if _is_dir(entry) and entry.name in ASSIGNMENTS:
            _assignment_folder(path, student, entry.name, out)
        elif _is_notebook(entry):
            out.ignored.append(f"{_shown(path)}: not in an assignment folder")


def _tree(root: Path, out: Found) -> None:
    """nbgrader's submitted/ tree: <student>/<assignment>/<notebook>."""
    for entry in _entries(root):
        if _is_dir(entry) and entry.name != CHECKPOINTS:
            _student_folder(Path(entry.path), entry.name, out)
        elif _is_notebook(entry):
            out.ignored.append(f"{_shown(Path(entry.path))}: not in a student's folder")


def _single_notebook(path: Path) -> Submission:
    """A notebook named on the command line: its folder names the assignment (or its file
    name does), the folder above names the student (or the file name does)."""
    folder = path.resolve().parent
    if folder.name in ASSIGNMENTS:
        return Submission(folder.parent.name or path.stem, folder.name, path)
    by_name = [a.name for a in ASSIGNMENTS.values() if path.name == a.notebook]
    return Submission(path.stem, by_name[0] if by_name else None, path)


def _search(path: Path, out: Found) -> None:
    if path.is_file():
        out.submissions.append(_single_notebook(path))
        return
    folder = path.resolve()
    children = [entry.name for entry in _folders(folder)]
    if folder.name in ASSIGNMENTS:  # one student's assignment folder
        _assignment_folder(path, folder.parent.name or folder.name, folder.name, out)
    elif children and all(name in ASSIGNMENTS for name in children):  # one student's folder
        _student_folder(path, folder.name, out)
    else:
        _tree(path, out)


def discover(paths: list[Path]) -> Found:
    """Every submission under `paths` (one per student and assignment), and what was left out.

    Raises DiscoveryError for a path that does not exist or holds no notebook, and when two
    different notebooks would be one student's submission of one assignment.
    """
    out = Found()
    seen: dict[Path, Submission] = {}
    for path in map(Path, paths):
        if not path.exists():
            raise DiscoveryError(f"{printable(path)}: no such file or folder")
        before = len(out.submissions)
        _search(path, out)
        if len(out.submissions) == before:
            raise DiscoveryError(f"{printable(path)}: holds no submission (a notebook in "
                                 "<student>/<assignment>/, or an assignment folder)")
    owners: dict[tuple[str, str], Submission] = {}
    for sub in out.submissions:
        resolved = sub.notebook.parent.resolve() / sub.notebook.name  # a link is not its target
        if resolved in seen:  # the same file given twice (a folder and a notebook in it)
            continue
        seen[resolved] = sub
        key = (sub.student, sub.assignment or f"?{sub.notebook.name}")
        if key in owners:
            raise DiscoveryError(
                f"two submissions of {printable(sub.assignment or sub.notebook.name)} for "
                f"{printable(sub.student)}: {printable(owners[key].notebook)} and "
                f"{printable(sub.notebook)}; give the grader one of them")
        owners[key] = sub
    out.submissions = sorted(owners.values(),
                             key=lambda s: (s.assignment or "", s.student, s.notebook.name))
    out.ignored = sorted(set(out.ignored))
    return out


def find_submissions(paths: list[Path]) -> list[Submission]:
    """Every submission under `paths`, one per student and assignment (see `discover`)."""
    return discover(paths).submissions
