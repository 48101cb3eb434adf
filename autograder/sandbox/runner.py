"""The trusted side of the sandbox: start the worker for one submission and clean up after it."""

from __future__ import annotations

import ctypes
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil

from autograder.sandbox import isolation
from autograder.sandbox.limits import Limits

EXPORTER = Path(__file__).with_name("exporter.py")
_PR_SET_CHILD_SUBREAPER = 36


@dataclass
class RunResult:
    """What running one notebook produced: where its artefacts are, and what went wrong."""

    artefacts_dir: Path
    failure: str | None = None
    """Why no artefacts were exported (timeout, crash, exit), or None."""
    cell_errors: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    isolated: bool = False
    """Whether the student's code ran hidden from the course files, offline, unprivileged."""
    skipped_cells: list[int] = field(default_factory=list)
    """Cells that killed the kernel, skipped in a re-run."""


def _become_subreaper() -> None:
    """Adopt orphaned descendants, so a process the student detaches can still be found and killed."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: fall back to the worker's own process tree
        pass


RUN_TAG = "RNNKIT_SANDBOX_RUN"


def _tagged(process: psutil.Process, tag: str | None) -> bool:
    if tag is None:
        return True
    try:
        return process.environ().get(RUN_TAG) == tag
    except psutil.Error:
        return False


def kill_descendants(tag: str | None = None) -> None:
    """Kill the processes this one started that are still alive (kernels, detached children):
    those of one sandbox run (`tag`), or all of them."""
    for _ in range(3):
        children = [p for p in psutil.Process().children(recursive=True) if _tagged(p, tag)]
        if not children:
            return
        for child in children:
            try:
                child.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(children, timeout=5)


def run_notebook(
    notebook: nbformat.NotebookNode,
    source: Path,
    probes: list[dict],
    workdir: Path,
    limits: Limits,
    support_files: tuple[Path, ...] = (),
    hide: tuple[Path, ...] = (),
) -> RunResult:
    """Run `notebook` (read from `source`) in a sandbox process, then collect the exported probes.

    `workdir` receives the notebook without its outputs, the other files of its folder (saved
    models, say) and the assignment's support files laid over them; nothing else of the course.
    With isolation, the folders in `hide` are not visible to the student's code at all.
    """
    _become_subreaper()
    started = time.monotonic()
    workdir.mkdir(parents=True)
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

    control = workdir.parent / f"{workdir.name}.control"
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
        "exporter": str(EXPORTER),
        "probes": probes,
        "limits": limits.__dict__,
        "hide": [str(path) for path in hide],
    }
    (control / "job.json").write_text(json.dumps(job), encoding="utf-8")
    isolation.hand_over(workdir, control)

    tag = secrets.token_hex(8)
    env = {**os.environ, "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "2", RUN_TAG: tag,
           "HOME": str(control / "home"), "JUPYTER_RUNTIME_DIR": str(control / "runtime"),
           "IPYTHONDIR": str(control / "ipython"), "MPLCONFIGDIR": str(control / "mpl"),
           "JUPYTER_PLATFORM_DIRS": "1", "CUDA_VISIBLE_DEVICES": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "autograder.sandbox.worker", str(control / "job.json")],
        cwd=workdir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    failure = None
    try:
        _, stderr = proc.communicate(timeout=limits.submission_seconds)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        failure = f"the notebook did not finish within {limits.submission_seconds} s"
        stderr = b""
    finally:
        kill_descendants(tag)

    status: dict = {}
    status_path = control / "status.json"
    if status_path.is_file():
        try:
            status = json.loads(status_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            status = {}
    if failure is None:
        failure = status.get("failure") if isinstance(status.get("failure"), str) else None
    if failure is None and not status.get("exported"):
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] if stderr else []
        failure = "the notebook could not be run" + (f" ({tail[0][:200]})" if tail else "")
    if failure is None and not (outdir / "manifest.json").is_file():
        failure = "the notebook's results were not exported"
    cell_errors = status.get("cell_errors") if isinstance(status.get("cell_errors"), list) else []
    return RunResult(
        outdir, failure, cell_errors, time.monotonic() - started,
        isolated=bool(status.get("isolated")),
        skipped_cells=[c for c in status.get("skipped_cells", []) if isinstance(c, int)],
    )
