"""Building the course: releases with nbgrader, solution notebooks, and drift checks of both."""

from __future__ import annotations

import filecmp
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

import course_config
from autograder.notebook_io import write_notebook
from autograder.progress import Reporter

ROOT = Path(course_config.ROOT)
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_TESTS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


class BuildError(Exception):
    """nbgrader refused the source notebook, or the build could not run."""


def put_alembic_on_path() -> None:
    """nbgrader runs the `alembic` executable of its environment, which may not be on PATH."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"


def nbgrader(*args: str, cwd: Path = ROOT) -> None:
    """Run an nbgrader command with the course configuration (nbgrader reads nbgrader_config.py
    from the folder it runs in: keep `cwd` the course root); raise BuildError on failure."""
    put_alembic_on_path()
    with tempfile.TemporaryDirectory(prefix="rnnkit-nbgrader-") as tmp:
        env = dict(os.environ)
        command = [sys.executable, "-m", "nbgrader", *args]
        if not any(arg.startswith("--CourseDirectory.db_url") for arg in args):
            # A throwaway gradebook: building a release must not touch the instructor's.
            command.append(f"--CourseDirectory.db_url=sqlite:///{tmp}/gradebook.db")
        proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError(f"nbgrader {' '.join(args)} failed:\n{proc.stdout[-2000:]}"
                         f"{proc.stderr[-4000:]}")


def generate_release(assignment: str, release_root: Path) -> Path:
    """Generate `assignment`'s student release under `release_root` with nbgrader."""
    nbgrader("generate_assignment", assignment, "--force",
             f"--CourseDirectory.release_directory={release_root}")
    return release_root / assignment


def solution_notebook(source: Path) -> nbformat.NotebookNode:
    """The source notebook as a worked solution: markers and hidden test blocks removed."""
    notebook = nbformat.read(str(source), as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        lines, hidden = [], False
        for line in cell.source.splitlines():
            stripped = line.strip()
            if stripped == HIDDEN_TESTS[0]:
                hidden = True
            elif stripped == HIDDEN_TESTS[1]:
                hidden = False
            elif not hidden and stripped not in SOLUTION_MARKERS:
                lines.append(line)
        cell.source = "\n".join(lines).rstrip()
        cell.outputs, cell.execution_count = [], None
    return notebook


def generate_solutions(assignment: str, solutions_root: Path) -> Path:
    """Write `assignment`'s solution notebook(s) under `solutions_root`."""
    out = solutions_root / assignment
    for source in sorted((ROOT / "source" / assignment).glob("*.ipynb")):
        write_notebook(solution_notebook(source), out / source.name)
    return out


STAMPS = ROOT / "release" / ".built-from.json"
"""For each assignment, the digest of the sources its committed release was built from."""


def source_digest(assignment: str) -> str:
    """Hash of the source files an assignment's release and solution are built from (a change
    of how they are built shows in `drift`, which the tests run)."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "source" / assignment).iterdir()):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _stamps() -> dict[str, str]:
    try:
        stamps = json.loads(STAMPS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stamps if isinstance(stamps, dict) else {}


def is_built(assignment: str) -> bool:
    """Whether release/ and solutions/ were built from the sources as they are now."""
    return (_stamps().get(assignment) == source_digest(assignment)
            and (ROOT / "release" / assignment).is_dir()
            and (ROOT / "solutions" / assignment).is_dir())


def build(assignments: list[str], progress: Reporter | None = None) -> None:
    """Regenerate release/ and solutions/ for `assignments` in place."""
    report = progress or Reporter()
    report.start(len(assignments), "assignments")
    for assignment in assignments:
        generate_release(assignment, ROOT / "release")
        generate_solutions(assignment, ROOT / "solutions")
        stamps = _stamps() | {assignment: source_digest(assignment)}
        STAMPS.write_text(json.dumps(dict(sorted(stamps.items())), indent=1) + "\n",
                          encoding="utf-8")
        report.finished(f"built {assignment}")
    report.close()


def drift(assignments: list[str], progress: Reporter | None = None) -> list[str]:
    """Files whose committed release or solution differs from a fresh build, and assignments
    whose build stamp is not of their current sources (empty: no drift)."""
    report = progress or Reporter()
    report.start(len(assignments), "assignments")
    differences = []
    with tempfile.TemporaryDirectory(prefix="rnnkit-build-") as tmp:
        fresh = Path(tmp)
        for assignment in assignments:
            generate_release(assignment, fresh / "release")
            generate_solutions(assignment, fresh / "solutions")
            for kind in ("release", "solutions"):
                differences += _compare(fresh / kind / assignment, ROOT / kind / assignment)
            if _stamps().get(assignment) != source_digest(assignment):
                differences.append(f"{STAMPS.relative_to(ROOT)}: {assignment} is not stamped "
                                   "with its current sources")
            report.finished(f"compared {assignment}")
    report.close()
    return differences


def _compare(fresh: Path, committed: Path) -> list[str]:
    if not committed.is_dir():
        return [f"{committed.relative_to(ROOT)} is missing"]
    comparison = filecmp.dircmp(fresh, committed)
    out = [f"{committed.relative_to(ROOT)}/{name}: differs" for name in comparison.diff_files]
    out += [f"{committed.relative_to(ROOT)}/{name}: missing" for name in comparison.left_only]
    out += [f"{committed.relative_to(ROOT)}/{name}: not generated from source"
            for name in comparison.right_only]
    for name in comparison.common_files:  # dircmp compares shallowly; be exact
        if not filecmp.cmp(fresh / name, committed / name, shallow=False) and \
                f"{committed.relative_to(ROOT)}/{name}: differs" not in out:
            out.append(f"{committed.relative_to(ROOT)}/{name}: differs")
    return out
