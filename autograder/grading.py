"""Grading a batch: run each notebook sandboxed, then the checks in trusted processes.

The flow: a canary proves the grader's environment; sandboxes run on a pool of threads (one
notebook per sandbox, each with a user of its own where the grader is root); as each batch of
runs ends, its checks run in a fresh trusted process, under limits, while later notebooks still
run; a run that a busy machine slowed past a wall-clock limit is repeated alone at the end.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import hashlib
import itertools
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

import course_config
from autograder import canary, intake
from autograder.boundary import HANDED_IN, MAX_MODEL_BYTES, MODEL_SUFFIXES
from autograder.checks import assignment_probes, check_points
from autograder.discovery import Submission
from autograder.forkserver import ForkServer, ForkServerError, exit_code
from autograder.intake import ReaderUnavailable, read_submitted
from autograder.notebook_io import NotebookError, digest, grade_id
from autograder.progress import Reporter, as_reporter
from autograder.safetext import printable
from autograder.sandbox import isolation
from autograder.sandbox.limits import Limits
from autograder.sandbox.runner import (
    SANDBOXES,
    RunResult,
    kill_descendants,
    run_notebook,
    sandbox_python,
    sandbox_server,
)
from autograder.scoring.results import CheckResult, SubmissionResult
from autograder.store import GradeStore, checks_version

CHECKS_DIR = Path(__file__).with_name("checks")
ROOT = Path(course_config.ROOT)
GRADE_PREFIX = "rnnkit-grade-"
"""The grading run's temporary folder: GRADE_PREFIX<pid>-..., so that what a grader killed
outright left mounted can be told from what a running one uses."""


class GraderError(Exception):
    """The grader itself failed (not a submission); grades from this run are not trustworthy."""


class ChecksOverLimit(Exception):
    """The trusted checks of a batch were stopped by their memory or time limit."""


def limits_for(assignment: str, uid: int | None = None) -> Limits:
    """The sandbox limits of `assignment` (course_config.py), for a sandbox running as `uid`."""
    settings = course_config.ASSIGNMENTS[assignment]
    return Limits(
        cell_cpu_seconds=settings.cell_cpu_seconds,
        notebook_cpu_seconds=settings.notebook_cpu_seconds,
        cell_wall_seconds=settings.cell_wall_seconds,
        notebook_wall_seconds=settings.notebook_wall_seconds,
        memory_bytes=course_config.MEMORY_BYTES,
        max_processes=course_config.MAX_PROCESSES,
        max_file_bytes=course_config.MAX_FILE_BYTES,
        disk_bytes=course_config.DISK_BYTES,
        uid=uid,
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
    names = course_config.ASSIGNMENTS[assignment].saved_files
    absent: dict[str, str | None] = {}
    for name in names:
        path = sub.notebook.parent / name
        # A link could point at another student's model; an oversized file is not a model.
        if path.is_symlink():
            absent[name] = "is a link, which the grader does not follow"
        elif not path.is_file():
            absent[name] = None
        elif path.stat().st_size > MAX_MODEL_BYTES:
            absent[name] = f"is larger than the {MAX_MODEL_BYTES / 2**20:g} MiB a model may take"
        else:
            shutil.copyfile(path, into / name)
    if absent:
        note = {"absent": absent, "others": _model_like(sub.notebook.parent, names)}
        (into / HANDED_IN).write_text(json.dumps(note), encoding="utf-8")
    return into


def _model_like(folder: Path, declared: tuple[str, ...], limit: int = 3) -> list[str]:
    """Up to `limit` names of model-like files in a submission's folder besides the declared
    ones, escaped (the folder is the student's: its scan stops after 1,000 entries)."""
    found = []
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in itertools.islice(entries, 1000):
            if entry.name not in declared and entry.name.lower().endswith(MODEL_SUFFIXES):
                found.append(printable(entry.name)[:80])
    return sorted(found)[:limit]


TRUSTED = ForkServer("autograder.scoring.zygote", "the trusted checks' fork server")
atexit.register(TRUSTED.stop)


def _trusted_server() -> dict:
    """How the trusted checks' server is started: this Python, the kit on its path."""
    return {"python": sys.executable, "env": {**_clean_env(), "PYTHONPATH": str(ROOT)},
            "cwd": ROOT}


def run_trusted_checks(assignment: str, entries: list[dict], workdir: Path) -> list[dict]:
    """Run `assignment`'s hidden checks over exported artefacts in a fresh trusted process,
    under a memory cap and a time limit (ChecksOverLimit past them; GraderError if the checks
    could not run for any other reason)."""
    workdir.mkdir(mode=0o700, exist_ok=True)
    listing, results = workdir / "submissions.json", workdir / "results.json"
    output, status = workdir / "output.txt", workdir / "status"
    listing.write_text(json.dumps(entries), encoding="utf-8")
    results.unlink(missing_ok=True)
    args = [
        str(CHECKS_DIR / assignment),
        "-p", "autograder.scoring.plugin", "-p", "no:cacheprovider",
        "-c", str(CHECKS_DIR / "pytest.ini"), "--rootdir", str(ROOT),
        "--submissions", str(listing), "--results", str(results), "-q", "--no-header", "-rN",
    ]
    seconds = course_config.TRUSTED_SECONDS_PER_SUBMISSION * len(entries) + 60
    request = {"args": args, "output": str(output), "status": str(status),
               "memory": course_config.TRUSTED_MEMORY_BYTES}
    try:
        pid = TRUSTED.fork(request, **_trusted_server())
    except ForkServerError as exc:
        raise GraderError(str(exc)) from None
    deadline, over = time.monotonic() + seconds, False
    try:
        while not status.is_file():
            if time.monotonic() > deadline and not over:
                over = True
                _kill(pid)
            if TRUSTED.pid is None:
                raise GraderError("the trusted checks' fork server ended unexpectedly")
            time.sleep(0.05)
    finally:
        if not status.is_file():  # the grader is stopping
            _kill(pid)
    if over:
        raise ChecksOverLimit(f"they took longer than {seconds} s")
    code = exit_code(status)
    with open(output, "rb") as file:
        file.seek(max(0, os.fstat(file.fileno()).st_size - 3000))
        tail = file.read().decode("utf-8", "replace")
    if code in (0, 1) and results.is_file():
        return json.loads(results.read_text(encoding="utf-8"))
    if code < 0 or any(sign in tail for sign in ("MemoryError", "ResourceExhausted",
                                                 "bad_alloc")):
        raise ChecksOverLimit("they ran out of memory" if code >= 0 or code == -signal.SIGABRT
                              else f"they were stopped by {signal.Signals(-code).name}")
    raise GraderError(f"the hidden checks of {assignment} could not run (exit {code}):\n{tail}")


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)  # the run and anything it started (its own session)


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")} | {
        "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}


@dataclasses.dataclass
class Plan:
    """What a grading run has to do: results it already has, and submissions to grade."""

    done: list[SubmissionResult]
    """Results known without running anything: stored ones, and submissions that cannot be
    graded as handed in (no notebook, no known assignment)."""
    todo: dict[str, list[Submission]]
    """Submissions to run, by assignment."""
    versions: dict[str, str]
    """Each assignment's checks, hashed once per run (what a stored result must match)."""

    def batches(self, size: int = course_config.CHECK_BATCH) -> list[tuple[str, list[Submission]]]:
        """The submissions to run, as (assignment, up to `size` submissions) batches."""
        return [(assignment, subs[start:start + size]) for assignment, subs in self.todo.items()
                for start in range(0, len(subs), size)]


def plan(submissions: list[Submission], store: GradeStore | None = None,
         regrade: bool = False, report: Reporter | None = None) -> Plan:
    """Sort `submissions` into results known already and submissions to grade."""
    report = report or Reporter()
    done: list[SubmissionResult] = []
    todo: dict[str, list[Submission]] = {}
    versions = {a: checks_version(a) for a in {sub.assignment for sub in submissions} - {None}}
    for sub in submissions:
        if sub.assignment is None:
            done.append(SubmissionResult(
                sub.student, "?", sub.notebook.name,
                problem="cannot tell which assignment this notebook is for: keep the "
                        "notebook's name and folder as released"))
        elif sub.found is not None or sub.problem is not None:
            done.append(_nothing_to_grade(sub))
        else:
            stored = None if (store is None or regrade) else store.get(
                sub.student, sub.assignment, sub.notebook.name, submission_digest(sub),
                versions[sub.assignment])
            if stored is not None:
                report.log(f"kept {sub.key}: unchanged since it was graded")
                done.append(stored)
            else:
                todo.setdefault(sub.assignment, []).append(sub)
    return Plan(done, todo, versions)


def in_order(results: list[SubmissionResult],
             submissions: list[Submission]) -> list[SubmissionResult]:
    """`results` in the order their submissions were given."""
    order = {sub.key: i for i, sub in enumerate(submissions)}
    return sorted(results, key=lambda r: order.get(f"{r.student}/{r.assignment}/{r.notebook}", 0))


def failed(result: SubmissionResult) -> bool:
    """Whether a submission could not be run as a whole (what progress counts as failed)."""
    return bool(result.ungraded or result.problem)


def grade(
    submissions: list[Submission],
    progress: Reporter | Callable[[str], None] | None = None,
    store: GradeStore | None = None,
    regrade: bool = False,
    workers: int | None = None,
) -> list[SubmissionResult]:
    """Grade `submissions`: each runs sandboxed (`workers` at once), then its assignment's
    checks run in batches, while later notebooks still run.

    Before any result is kept, a canary (a tiny known-good notebook) must pass through the same
    sandbox and checks: a broken grader raises GraderError and grades nothing. A notebook that
    hit a wall-clock limit while the machine was busy is graded again alone; still busy, it is
    left ungraded, never given a 0. With a `store`, each batch's results are saved as soon as
    they exist, and a submission whose stored result graded the same notebook with the same
    checks is not graded again (unless `regrade`). `progress` hears of each result as it comes.
    """
    report = as_reporter(progress)
    work = plan(submissions, store, regrade, report)
    report.start(len(submissions))
    results = list(work.done)
    for result in work.done:
        report.finished(f"{result.student}/{result.assignment}: kept", failed(result))
    if work.todo:
        hide = secret_folders([sub for subs in work.todo.values() for sub in subs], store)
        if isolation.available():
            isolation.release_stale_quotas(Path(tempfile.gettempdir()), GRADE_PREFIX)
        with tempfile.TemporaryDirectory(prefix=f"{GRADE_PREFIX}{os.getpid()}-") as tmp:
            tmpdir = Path(tmp)
            tmpdir.chmod(0o711)  # sandboxes may enter their own folder, not list the others
            runs = _Runs(tmpdir, hide, workers or course_config.PARALLEL_RUNS, report,
                         work.versions)
            results += runs.grade(work.batches(), store)
    report.close()
    return in_order(results, submissions)


def warm_up(progress: Reporter | Callable[[str], None] | None = None) -> None:
    """Start the fork servers and pass the canary now, before any submission: a long-running
    grader (the service) then makes its first student wait for their own notebook only.
    Raises GraderError as `grade` would."""
    with tempfile.TemporaryDirectory(prefix=f"{GRADE_PREFIX}{os.getpid()}-") as tmp:
        Path(tmp).chmod(0o711)
        _Runs(Path(tmp), (), 1, as_reporter(progress), {}).grade([], None)


def summary(result: SubmissionResult) -> str:
    """One line of progress: whose submission, and its score."""
    score = "ungraded" if result.ungraded else f"{result.score:g}/{result.max_score:g}"
    return f"{result.student}/{result.assignment}: {score}"


def _nothing_to_grade(sub: Submission) -> SubmissionResult:
    """A student's assignment folder without a notebook to grade: every check lost, and why."""
    found = sub.found or ()
    listed = ", ".join(found[:10]) + (", ..." if len(found) > 10 else "") if found else "nothing"
    problem = sub.problem or (f"no notebook to grade: the folder holds {listed}; hand in "
                              f"{sub.notebook.name} as released")
    return SubmissionResult(
        sub.student, sub.assignment or "?", sub.notebook.name, problem=problem,
        checks=[CheckResult(name, 0.0, points, False, problem)
                for name, points in check_points(sub.assignment or "").items()])


def secret_folders(subs: list[Submission], store: GradeStore | None) -> tuple[Path, ...]:
    """Folders a student's code must not see: checks, sources, solutions, samples, the grade
    store and every submission's folder (its own notebook is copied out first)."""
    # The sandbox sees only what it needs (an allowlist, `isolation.isolate`); these are
    # covered as well wherever they would fall inside it. The course root holds them all.
    folders = {ROOT, CHECKS_DIR, ROOT / "source", ROOT / "solutions", ROOT / "samples",
               ROOT / "grades", ROOT / "tests", ROOT / ".git"}
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


_canary_passed: dict[tuple[str, ...], float] = {}
"""When the canary last passed in this process, by what it proved (see `_canary_key`)."""


def last_canary() -> float | None:
    """When (seconds since the epoch) the canary last passed in this process, if it has."""
    return _canary_passed_at[0] if _canary_passed_at else None


_canary_passed_at: list[float] = []


def _canary_key() -> tuple[str, ...]:
    """What a canary run proves: this sandbox Python and this kit, under these limits."""
    return (sandbox_python(), str(isolation.available()), checks_version("canary"))


def _canary_due() -> bool:
    """Whether a grading run must start with the canary: it has not passed in this process
    with the same sandbox Python and kit within `CANARY_SECONDS`. A long-lived grader (a
    cluster worker, a test session) then pays for it once every few minutes, not per batch."""
    passed = _canary_passed.get(_canary_key())
    return passed is None or time.monotonic() - passed > course_config.CANARY_SECONDS


@dataclasses.dataclass
class _Run:
    """One submission's sandbox run, on its way to the trusted checks."""

    sub: Submission
    result: SubmissionResult
    entry: dict
    """What the trusted checks read of it: artefacts, failure, the grader's copy of files."""
    busy: bool = False


class _Runs:
    """The sandbox runs of one `grade()` call, on a pool of threads, and their checks."""

    def __init__(self, tmpdir: Path, hide: tuple[Path, ...], workers: int,
                 report: Reporter, versions: dict[str, str]) -> None:
        self.tmpdir, self.hide, self.workers, self.report = tmpdir, hide, workers, report
        self.versions = versions  # of each assignment's checks, hashed once per grade() call
        self.stopping = threading.Event()
        self._names = itertools.count()

    def grade(self, batches: list[tuple[str, list[Submission]]],
              store: GradeStore | None) -> list[SubmissionResult]:
        TRUSTED.warm(**_trusted_server())  # its imports overlap the first notebooks
        intake.warm()
        SANDBOXES.warm(**sandbox_server())
        pool = ThreadPoolExecutor(max_workers=self.workers)
        futures = [pool.submit(self._canary)] if _canary_due() else []
        try:
            planned = [(assignment, [pool.submit(self._run_one, assignment, sub) for sub in subs])
                       for assignment, subs in batches]
            futures += [future for _, batch in planned for future in batch]
            if futures:
                futures[0].result()  # no grade is kept before the canary passed
            results: list[SubmissionResult] = []
            again: list[tuple[str, _Run]] = []
            for assignment, batch in planned:
                done = [future.result() for future in batch]
                again += [(assignment, run) for run in done if run.busy]
                results += self._check(assignment, [run for run in done if not run.busy], store)
            for assignment, run in again:  # every other run is over: these run alone now
                self.report.log(f"grading {run.sub.key} again, alone: the machine was busy")
                rerun = self._run_one(assignment, run.sub)
                rerun.result.note = ("graded again alone: its first run hit a wall-clock limit "
                                     "while the machine was busy")
                results += self._check(assignment, [rerun], store)
        except BaseException:
            self.stopping.set()
            pool.shutdown(wait=False, cancel_futures=True)
            deadline = time.monotonic() + 60
            while not all(f.done() for f in futures) and time.monotonic() < deadline:
                # Sandboxes end, so the threads waiting on them return; the fork servers
                # reap what their children leave, and end when this process does.
                kill_descendants(keep={TRUSTED.pid, SANDBOXES.pid})
                time.sleep(0.2)
            raise
        finally:
            pool.shutdown(wait=True)
            # Whatever a sandbox left behind; the fork servers stay for the next run.
            kill_descendants(keep={TRUSTED.pid, SANDBOXES.pid})
        ungraded = {r.ungraded for r in results if r.ungraded}
        if len(results) > 1 and len(ungraded) == 1 and all(r.ungraded for r in results):
            raise GraderError("every submission failed the same way, on the grader's side: "
                              f"{ungraded.pop()}")
        return results

    def _box(self, name: str) -> Path:
        # An unguessable name: sandboxes cannot find each other's files.
        return self.tmpdir / f"{name}-{next(self._names)}-{secrets.token_hex(8)}"

    def _sandbox(self, notebook: nbformat.NotebookNode, source: Path, probes: list[dict],
                 name: str, limits: Limits, support: tuple[Path, ...]) -> RunResult:
        """Run one notebook in a sandbox with a user of its own (where the grader can)."""
        if self.stopping.is_set():
            raise KeyboardInterrupt
        lease = isolation.UserLease(course_config.SANDBOX_UIDS,
                                    Path(course_config.SANDBOX_LOCK_DIR)) \
            if isolation.available() else contextlib.nullcontext()
        with lease as uid:
            return run_notebook(notebook, source, probes, self._box(name),
                                dataclasses.replace(limits, uid=uid), support, self.hide)

    def _canary(self) -> None:
        """Run the canary through the same sandbox and checks; GraderError unless it passes."""
        folder = self._box("canary")
        folder.mkdir(mode=0o700)
        path = folder / canary.NOTEBOOK
        notebook = canary.notebook()
        nbformat.write(notebook, str(path))
        run = self._sandbox(notebook, path, canary.PROBES, "canary", canary.LIMITS, ())
        why = run.grader_error or run.failure
        if why is None:
            entry = {"id": "canary", "artefacts": str(run.artefacts_dir), "failure": None,
                     "saved": None}
            rows = run_trusted_checks("canary", [entry], self._box("canary-checks"))
            failed = [row["message"] for row in rows if not row["passed"]]
            why = "; ".join(failed) if failed or not rows else None
        if why:
            raise GraderError("the grader's own test notebook failed, so the grading "
                              f"environment is broken and nothing was graded: {why}")
        _canary_passed[_canary_key()] = time.monotonic()
        _canary_passed_at[:] = [time.time()]

    def _run_one(self, assignment: str, sub: Submission) -> _Run:
        started = time.monotonic()
        result = SubmissionResult(sub.student, assignment, sub.notebook.name,
                                  digest=submission_digest(sub))
        saved = copy_saved_files(sub, assignment, self._box("saved"))
        run = _Run(sub, result, {"id": "", "artefacts": str(saved / "none"), "failure": None,
                                 "saved": str(saved)})
        stage = "read"
        try:
            notebook = read_submitted(sub.notebook, self._box("read"))
            stage = "assignment"
            check_assignment(notebook, assignment)
        except ReaderUnavailable as exc:
            result.ungraded = str(exc)
        except NotebookError as exc:
            result.problem = f"the notebook could not be read: {exc}" if stage == "read" \
                else str(exc)
            run.entry["failure"] = f"the notebook could not be graded: {exc}"
        else:
            sandbox = self._sandbox(notebook, sub.notebook, assignment_probes(assignment),
                                    assignment, limits_for(assignment),
                                    support_files(assignment))
            run.entry["artefacts"] = str(sandbox.artefacts_dir)
            run.entry["failure"] = result.problem = sandbox.failure
            run.busy = sandbox.busy
            result.cpu_seconds = round(sandbox.cpu_seconds, 2)
            result.stages = dict(sandbox.stages)
            if sandbox.grader_error:
                result.ungraded = sandbox.grader_error
            elif sandbox.busy:
                result.ungraded = ("the machine was too busy to run the notebook within its "
                                   "wall-clock limits; grade it again when it is quieter")
            if sandbox.skipped_cells and not sandbox.failure:
                result.problem = (f"cell(s) {', '.join(map(str, sandbox.skipped_cells))} "
                                  "killed the kernel, garbled its messages or could not be "
                                  "stopped, and were skipped")
        result.seconds = time.monotonic() - started
        why = result.ungraded or result.problem
        self.report.log(f"ran {sub.key} in {result.seconds:.1f} s" + (f" ({why})" if why else ""))
        return run

    def _check(self, assignment: str, runs: list[_Run],
               store: GradeStore | None) -> list[SubmissionResult]:
        """Run the trusted checks of `runs`; store and return their results."""
        gradable = [run for run in runs if not run.result.ungraded]
        for index, run in enumerate(gradable):
            run.entry["id"] = f"s{index}"
        started = time.monotonic()
        rows = self._trusted(assignment, gradable)
        share = round((time.monotonic() - started) / max(1, len(gradable)), 3)
        for run in gradable:
            run.result.stages["checks"] = share
            run.result.seconds = round(run.result.seconds + share, 3)
            run.result.checks = [
                CheckResult(**{k: v for k, v in row.items() if k != "submission"})
                for row in rows if row["submission"] == run.entry["id"]]
        if gradable:
            self.report.log(f"checked {len(gradable)} {assignment} submission(s) in "
                            f"{time.monotonic() - started:.1f} s")
        if store is not None:
            for run in gradable:
                store.put(run.result, self.versions[assignment])
        for run in runs:
            self.report.finished(summary(run.result), failed(run.result))
        return [run.result for run in runs]

    def _trusted(self, assignment: str, runs: list[_Run]) -> list[dict]:
        """The checks' rows for `runs`; a submission whose checks exceed the trusted process's
        limits loses them all, and the others keep theirs."""
        if not runs:
            return []
        try:
            return run_trusted_checks(assignment, [run.entry for run in runs],
                                      self._box(f"checks-{assignment}"))
        except ChecksOverLimit as exc:
            if len(runs) > 1:  # find the submission that did it: each alone
                return [row for run in runs for row in self._trusted(assignment, [run])]
            why = (f"Grading this submission went past the grader's limits ({exc}): a model "
                   "this large or this slow cannot be evaluated. Keep to the notebook's sizes.")
            return [{"submission": runs[0].entry["id"], "name": name, "score": 0.0,
                     "max_score": points, "passed": False, "message": why}
                    for name, points in check_points(assignment).items()]
