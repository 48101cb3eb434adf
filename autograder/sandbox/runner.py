"""The trusted side of the sandbox: start the worker for one submission and clean up after it."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import psutil

from autograder.sandbox import isolation
from autograder.sandbox.limits import SINGLE_THREADED, Limits

EXPORTER = Path(__file__).with_name("exporter.py")


@dataclass
class RunResult:
    """What running one notebook produced: where its artefacts are, and what went wrong."""

    artefacts_dir: Path
    failure: str | None = None
    """Why no artefacts were exported (timeout, crash, exit), or None. Student-facing."""
    cell_errors: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    isolated: bool = False
    """Whether the student's code ran hidden from the course files, offline, unprivileged."""
    skipped_cells: list[int] = field(default_factory=list)
    """Cells that killed the kernel, skipped in a re-run."""
    busy: bool = False
    """A wall-clock limit was hit while the notebook waited for a busy CPU: the run says
    nothing about the notebook and must be repeated."""
    grader_error: str | None = None
    """The sandbox itself failed (the kit, not the notebook): the run cannot be graded. For
    the operator only: it may hold text the student's code printed."""
    cpu_seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    """Wall-clock seconds by stage: setup (the box), worker (its start and end), isolate,
    kernel_start, cells, export."""


RUN_TAG = "RNNKIT_SANDBOX_RUN"
WORKER = "autograder.sandbox.worker"


def sandbox_python() -> str:
    """The Python that runs sandboxes: this one, unless RNNKIT_SANDBOX_PYTHON names another."""
    return os.environ.get("RNNKIT_SANDBOX_PYTHON") or sys.executable


def _tagged(process: psutil.Process, tag: str | None) -> bool:
    if tag is None:
        return True
    try:
        return process.environ().get(RUN_TAG) == tag
    except psutil.Error:
        return False


def kill_descendants(tag: str | None = None, keep: int | None = None) -> None:
    """Kill the processes this one started that are still alive (kernels, detached children):
    those of one sandbox run (`tag`), or all of them but `keep` (its children included)."""
    isolation.kill_until_gone(
        lambda: [p for p in psutil.Process().children(recursive=True)
                 if _tagged(p, tag) and p.pid != keep])


def _idle_share(before: Any, after: Any) -> float:
    """The share of the machine's CPU time that was idle between two `psutil.cpu_times()`."""
    total = sum(after) - sum(before)
    return (after.idle - before.idle) / total if total > 0 else 1.0


def _sandbox_memory(pid: int, tag: str, uid: int | None) -> int:
    """Resident bytes of every process of one sandbox (by its user, or by its tag)."""
    total = 0
    for process in psutil.Process(pid).children(recursive=True) if uid is None else \
            (p for p in psutil.process_iter(["uids"]) if p.info["uids"] and
             p.info["uids"].real == uid):
        try:
            total += process.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_notebook(
    notebook: nbformat.NotebookNode,
    source: Path,
    probes: list[dict],
    box: Path,
    limits: Limits,
    support_files: tuple[Path, ...] = (),
    hide: tuple[Path, ...] = (),
) -> RunResult:
    """Run `notebook` (read from `source`) in a sandbox process, then collect the exported probes.

    `box` (created here, readable by the sandbox's user only) receives, in `work/`, the notebook
    without its outputs, the other files of its folder (saved models, say) and the assignment's
    support files laid over them; nothing else of the course. With isolation, the folders in
    `hide` are not visible to the student's code at all.
    """
    isolation.become_subreaper()
    started = time.monotonic()
    box.mkdir(mode=0o700)
    workdir, control, stage = box / "work", box / "control", box / "stage"
    workdir.mkdir()
    for path in source.parent.iterdir():
        # Links are not followed: one could point at another student's files.
        if (path.is_file() and not path.is_symlink() and path.suffix != ".ipynb"
                and path.stat().st_size < limits.max_file_bytes):
            shutil.copy2(path, workdir / path.name)
    for path in support_files:
        shutil.copy2(path, workdir / path.name)
    clean = nbformat.from_dict(notebook)
    for cell in clean.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(clean, str(workdir / source.name))

    control.mkdir()
    for name in ("home", "runtime", "ipython", "mpl"):
        (control / name).mkdir()
    # A fresh name, told to the kernel only when exporting, so no file the student's cells wrote
    # beforehand can pass for the grader's export.
    outdir = workdir / f".export-{secrets.token_hex(8)}"
    job = {
        "notebook": str(workdir / source.name),
        "workdir": str(workdir),
        "outdir": str(outdir),
        "status": str(control / "status.json"),
        "box": str(box),
        "stage": str(stage),
        "exporter": str(EXPORTER),
        "probes": probes,
        "limits": limits.__dict__,
        "hide": [str(path) for path in hide],
    }
    (control / "job.json").write_text(json.dumps(job), encoding="utf-8")
    isolation.hand_over(limits.uid, box)
    stage.mkdir(mode=0o700)  # root's: the mounts that let the sandbox reach Python

    tag = secrets.token_hex(8)
    env = {**os.environ, **SINGLE_THREADED, "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "2",
           RUN_TAG: tag, "HOME": str(control / "home"),
           "JUPYTER_RUNTIME_DIR": str(control / "runtime"), "IPYTHONDIR": str(control / "ipython"),
           "MPLCONFIGDIR": str(control / "mpl"), "JUPYTER_PLATFORM_DIRS": "1",
           "CUDA_VISIBLE_DEVICES": "", "USER": "student", "LOGNAME": "student"}
    setup = time.monotonic() - started
    cpu_before = psutil.cpu_times()
    failure, busy = None, False
    # A file, not a pipe: a worker that writes much cannot block on it.
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            [sandbox_python(), "-m", WORKER, str(control / "job.json")],
            cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=errors, start_new_session=True,
        )
        try:
            failure = _watch(proc, limits, tag)
            if failure == WALL:
                busy = _idle_share(cpu_before, psutil.cpu_times()) < 0.1
                failure = (f"the notebook did not finish within "
                           f"{limits.notebook_wall_seconds:g} s (it was waiting, not computing)")
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            kill_descendants(tag)
        process = time.monotonic() - started - setup
        errors.seek(max(0, os.fstat(errors.fileno()).st_size - 4000))
        stderr = errors.read()

    status: dict = {}
    status_path = control / "status.json"
    if status_path.is_file():
        try:
            status = json.loads(status_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            status = {}
    status = status if isinstance(status, dict) else {}
    grader_error = None
    if failure is None:
        failure = status.get("failure") if isinstance(status.get("failure"), str) else None
    if failure is None and not status.get("exported"):
        if status:
            failure = "the notebook's results were not exported"
        else:  # the worker never got to run the notebook: the kit's side failed
            tail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            grader_error = ("the sandbox could not run the notebook"
                            + (f": {' | '.join(tail)[:500]}" if tail else ""))
    if failure is None and grader_error is None and not (outdir / "manifest.json").is_file():
        failure = "the notebook's results were not exported"
    cell_errors = status.get("cell_errors") if isinstance(status.get("cell_errors"), list) else []
    cpu = status.get("cpu_seconds")
    stages = {k: float(v) for k, v in (status.get("stages") or {}).items()
              if isinstance(k, str) and isinstance(v, (int, float))}
    stages = {"setup": round(setup, 3),
              "worker": round(max(0.0, process - sum(stages.values())), 3), **stages}
    return RunResult(
        outdir, failure, cell_errors, time.monotonic() - started,
        isolated=bool(status.get("isolated")),
        skipped_cells=[c for c in status.get("skipped_cells", []) if isinstance(c, int)],
        busy=busy or status.get("busy") is True, grader_error=grader_error,
        cpu_seconds=float(cpu) if isinstance(cpu, (int, float)) else 0.0, stages=stages,
    )


WALL = "wall"
_MEMORY_FAILURE = "the notebook's processes used more than {gib:g} GiB of memory together"


def _watch(proc: subprocess.Popen, limits: Limits, tag: str) -> str | None:
    """Wait for the sandbox, enforcing its wall-clock backstop and its total memory; return
    `WALL`, a memory failure, or None when it ended by itself."""
    deadline = time.monotonic() + limits.notebook_wall_seconds
    while True:
        try:
            proc.wait(timeout=1.0)
            return None
        except subprocess.TimeoutExpired:
            pass
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            return WALL
        try:
            resident = _sandbox_memory(proc.pid, tag, limits.uid)
        except psutil.Error:
            continue
        if resident > limits.memory_bytes:
            os.killpg(proc.pid, signal.SIGKILL)
            kill_descendants(tag)
            return _MEMORY_FAILURE.format(gib=limits.memory_bytes / 2**30)
