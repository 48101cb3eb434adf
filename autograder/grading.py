"""Grading a batch: run each notebook sandboxed, then every check in one trusted process."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import course_config
from autograder.boundary import MAX_MODEL_BYTES
from autograder.checks import assignment_probes, check_points
from autograder.discovery import Submission
from autograder.notebook_io import NotebookError, digest, grade_id, read_notebook
from autograder.sandbox.limits import Limits
from autograder.sandbox.runner import kill_descendants, run_notebook
from autograder.scoring.results import CheckResult, SubmissionResult
from autograder.store import GradeStore, checks_version

CHECKS_DIR = Path(__file__).with_name("checks")
ROOT = Path(course_config.ROOT)


class GraderError(Exception):
    """The grader itself failed (not a submission); grades from this run are not trustworthy."""


def limits_for(assignment: str) -> Limits:
    settings = course_config.ASSIGNMENTS[assignment]
    return Limits(
        cell_seconds=settings.cell_seconds,
        submission_seconds=settings.submission_seconds,
        memory_bytes=course_config.MEMORY_BYTES,
        max_processes=course_config.MAX_PROCESSES,
        max_file_bytes=course_config.MAX_FILE_BYTES,
    )


def support_files(assignment: str) -> tuple[Path, ...]:
    folder = ROOT / "release" / assignment
    return tuple(folder / name for name in course_config.ASSIGNMENTS[assignment].support_files)


def submission_digest(sub: Submission) -> str:
    """Hash of what a grade depends on in a submission: the notebook and its saved files."""
    settings = course_config.ASSIGNMENTS.get(sub.assignment or "")
    if settings is None or not settings.saved_files:
        return digest(sub.notebook)
    parts = [digest(sub.notebook)]
    for name in settings.saved_files:
        path = sub.notebook.parent / name
        parts.append(f"{name}:{digest(path) if path.is_file() else '-'}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def copy_saved_files(sub: Submission, assignment: str, into: Path) -> Path:
    """Copy the submission's saved files (models) into `into` before its notebook runs, so that
    nothing the notebook does while graded can change what the checks read."""
    into.mkdir(mode=0o700)
    for name in course_config.ASSIGNMENTS[assignment].saved_files:
        path = sub.notebook.parent / name
        # A link could point at another student's model; an oversized file is not a model.
        if path.is_file() and not path.is_symlink() and path.stat().st_size <= MAX_MODEL_BYTES:
            shutil.copyfile(path, into / name)
    return into


def run_trusted_checks(assignment: str, entries: list[dict], workdir: Path) -> list[dict]:
    """Run `assignment`'s hidden checks over exported artefacts in a fresh trusted process."""
    listing, results = workdir / "submissions.json", workdir / "results.json"
    listing.write_text(json.dumps(entries), encoding="utf-8")
    command = [
        sys.executable, "-m", "pytest", str(CHECKS_DIR / assignment),
        "-p", "autograder.scoring.plugin", "-p", "no:cacheprovider",
        "-c", str(CHECKS_DIR / "pytest.ini"), "--rootdir", str(ROOT),
        "--submissions", str(listing), "--results", str(results), "-q", "--no-header", "-rN",
    ]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                          env={**_clean_env(), "PYTHONPATH": str(ROOT)})
    if proc.returncode not in (0, 1) or not results.is_file():
        raise GraderError(f"the hidden checks of {assignment} could not run:\n"
                          f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return json.loads(results.read_text(encoding="utf-8"))


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")} | {
        "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}


def grade(
    submissions: list[Submission],
    progress: Callable[[str], None] = lambda line: None,
    store: GradeStore | None = None,
    regrade: bool = False,
) -> list[SubmissionResult]:
    """Grade `submissions`: each runs sandboxed, then its assignment's checks run in batches.

    With a `store`, each batch's results are saved as soon as they exist, and a submission whose
    stored result graded the same notebook with the same checks is not graded again (unless
    `regrade`).
    """
    results: list[SubmissionResult] = []
    by_assignment: dict[str | None, list[Submission]] = {}
    for sub in submissions:
        by_assignment.setdefault(sub.assignment, []).append(sub)

    for assignment, subs in by_assignment.items():
        if assignment is None:
            for sub in subs:
                results.append(SubmissionResult(
                    sub.student, "?", sub.notebook.name, digest=submission_digest(sub),
                    problem="cannot tell which assignment this notebook is for: keep the "
                            "notebook's name and folder as released"))
            continue
        version = checks_version(assignment)
        todo = []
        for sub in subs:
            stored = None if (store is None or regrade) else store.get(
                sub.student, assignment, sub.notebook.name, submission_digest(sub), version)
            if stored is not None:
                progress(f"kept {sub.key}: unchanged since it was graded")
                results.append(stored)
            else:
                todo.append(sub)
        for start in range(0, len(todo), course_config.CHECK_BATCH):
            batch = _grade_assignment(assignment, todo[start:start + course_config.CHECK_BATCH],
                                      progress, store)
            for result in batch:
                if store is not None:
                    store.put(result, version)
            results.extend(batch)
    order = {sub.key: i for i, sub in enumerate(submissions)}
    return sorted(results, key=lambda r: order.get(f"{r.student}/{r.assignment}/{r.notebook}", 0))


def secret_folders(subs: list[Submission], store: GradeStore | None) -> tuple[Path, ...]:
    """Folders a student's code must not see: checks, sources, solutions, samples, the grade
    store and every submission's folder (its own notebook is copied out first)."""
    folders = {CHECKS_DIR, ROOT / "source", ROOT / "solutions", ROOT / "samples", ROOT / "grades",
               ROOT / "tests", ROOT / ".git"}  # git's objects hold every version of the checks
    folders |= {sub.notebook.resolve().parent for sub in subs}
    if store is not None:
        folders.add(Path(store.directory).resolve())
    return tuple(sorted(folders))


def check_assignment(notebook, assignment: str) -> None:
    """Refuse a notebook that is recognisably another assignment's (by nbgrader cell ids)."""
    ids = {grade_id(cell) for cell in notebook.cells} - {None}
    if not ids:
        return
    own = set(check_points(assignment))
    for other in course_config.ASSIGNMENTS:
        if other != assignment and not ids & own and ids & set(check_points(other)):
            raise NotebookError(f"this is the notebook of the {other!r} assignment, "
                                f"submitted as {assignment!r}")


def _grade_assignment(assignment: str, subs: list[Submission],
                      progress: Callable[[str], None],
                      store: GradeStore | None = None) -> list[SubmissionResult]:
    probes = assignment_probes(assignment)
    limits = limits_for(assignment)
    hide = secret_folders(subs, store)
    with tempfile.TemporaryDirectory(prefix=f"rnnkit-{assignment}-") as tmp:
        tmpdir = Path(tmp)
        tmpdir.chmod(0o711)  # sandboxes may enter their own folder, not list the others

        def run_one(index: int, sub: Submission) -> tuple[dict, SubmissionResult]:
            started = time.monotonic()
            result = SubmissionResult(sub.student, assignment, sub.notebook.name,
                                      digest=submission_digest(sub))
            saved = copy_saved_files(sub, assignment, tmpdir / f"s{index}-{secrets.token_hex(8)}")
            entry = {"id": f"s{index}", "artefacts": str(tmpdir / f"s{index}-none"),
                     "failure": None, "saved": str(saved)}
            try:
                notebook = read_notebook(sub.notebook)
                check_assignment(notebook, assignment)
            except NotebookError as exc:
                result.problem = str(exc)
                entry["failure"] = f"the notebook could not be graded: {exc}"
            else:
                # An unguessable folder name: sandboxes cannot find each other's files.
                run = run_notebook(notebook, sub.notebook, probes,
                                   tmpdir / f"s{index}-{secrets.token_hex(8)}", limits,
                                   support_files(assignment), hide)
                entry["artefacts"], entry["failure"] = str(run.artefacts_dir), run.failure
                result.problem = run.failure
                if run.skipped_cells and not run.failure:
                    result.problem = (f"cell(s) {', '.join(map(str, run.skipped_cells))} "
                                      "killed the kernel and were skipped")
            result.seconds = time.monotonic() - started
            progress(f"ran {sub.key} in {result.seconds:.1f} s"
                     + (f" ({result.problem})" if result.problem else ""))
            return entry, result

        try:
            with ThreadPoolExecutor(max_workers=course_config.PARALLEL_RUNS) as pool:
                done = list(pool.map(run_one, range(len(subs)), subs))
        finally:
            kill_descendants()  # whatever a sandbox left behind, even on Ctrl-C
        entries = [entry for entry, _ in done]
        partial = {entry["id"]: result for entry, result in done}
        started = time.monotonic()
        for row in run_trusted_checks(assignment, entries, tmpdir):
            partial[row.pop("submission")].checks.append(CheckResult(**row))
        progress(f"checked {len(subs)} {assignment} submission(s) in "
                 f"{time.monotonic() - started:.1f} s")
    return list(partial.values())
