"""The trusted side of the sandbox: start the worker for one submission and clean up after it."""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil

from autograder.forkserver import ForkServer, ForkServerError, exit_code
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
_TAG_PLACEHOLDER = "0" * 16
"""What the fork server's environment holds for RUN_TAG: each worker writes its tag over it."""

SANDBOXES = ForkServer("autograder.sandbox.zygote", "the sandbox's fork server")
atexit.register(SANDBOXES.stop)


def sandbox_python() -> str:
    """The Python that runs sandboxes: this one, unless RNNKIT_SANDBOX_PYTHON names another."""
    return os.environ.get("RNNKIT_SANDBOX_PYTHON") or sys.executable


def _server_folder() -> str:
    """The sandbox server's home: matplotlib's font cache, kept between grading runs (in the
    user's cache folder, so that no temporary folder outlives a run)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = cache / "rnnkit" / "sandbox-server"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return str(folder)


def _sandbox_env() -> dict[str, str]:
    """What every sandbox's environment holds, beside what is the run's own."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return {**inherited, **SINGLE_THREADED, "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "2",
            "CUDA_VISIBLE_DEVICES": "", "JUPYTER_PLATFORM_DIRS": "1",
            "USER": "student", "LOGNAME": "student"}


def sandbox_server() -> dict:
    """How the sandbox's fork server is started: the sandbox Python, the sandboxes' environment."""
    folder = _server_folder()
    return {"python": sandbox_python(), "cwd": Path(folder),
            "env": {**_sandbox_env(), RUN_TAG: _TAG_PLACEHOLDER, "HOME": folder,
                    "MPLCONFIGDIR": folder}}


def _tagged(process: psutil.Process, tag: str | None) -> bool:
    if tag is None:
        return True
    try:
        return process.environ().get(RUN_TAG) == tag
    except psutil.Error:
        return False


def kill_descendants(tag: str | None = None, keep: set[int | None] | None = None) -> None:
    """Kill the processes this one started that are still alive (kernels, detached children):
    those of one sandbox run (`tag`), or all of them but those in `keep` (the fork servers)."""
    isolation.kill_until_gone(
        lambda: [p for p in psutil.Process().children(recursive=True)
                 if _tagged(p, tag) and p.pid not in (keep or set())])


def _sandbox_processes(pid: int, uid: int | None) -> list[psutil.Process]:
    """Every process of one sandbox: those of its user, or (without one) the worker's tree."""
    if uid is None:
        return psutil.Process(pid).children(recursive=True)
    return [p for p in psutil.process_iter(["uids"])
            if p.info["uids"] and p.info["uids"].real == uid]


def _sandbox_memory(processes: list[psutil.Process]) -> int:
    """Resident bytes of every process of one sandbox.

    Proportional set sizes: the worker, its kernel template and its kernels share the pages of
    the libraries the fork server imported, and each shared page counts once in all.
    """
    total = 0
    for process in processes:
        try:
            total += process.memory_full_info().pss
        except psutil.Error:
            pass
    return total


class Usage:
    """What the machine gave one sandbox, measured from outside it: the CPU seconds its
    processes ran and the seconds their threads were ready to run but waited for a CPU
    (Linux schedstat), sampled about once a second. Nothing the sandbox writes is read."""

    def __init__(self) -> None:
        self.cpu = 0.0
        self._waited: dict[tuple[int, str], int] = {}
        self.samples: list[tuple[float, float, float]] = []
        """(time, CPU seconds, seconds waited) at each sample."""

    def sample(self, processes: list[psutil.Process]) -> None:
        cpu = 0.0
        for process in processes:
            try:
                times = process.cpu_times()
                tasks = list(Path(f"/proc/{process.pid}/task").iterdir())
            except (psutil.Error, OSError):
                continue
            cpu += times.user + times.system + times.children_user + times.children_system
            for task in tasks:
                try:
                    waited = int((task / "schedstat").read_text().split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                key = (process.pid, task.name)
                self._waited[key] = max(waited, self._waited.get(key, 0))
        self.cpu = max(self.cpu, cpu)  # a process that ended without being waited for
        self.samples.append((time.monotonic(), self.cpu, sum(self._waited.values()) / 1e9))

    def runnable_share(self, seconds: float) -> float:
        """The share of the last `seconds` its processes ran or were ready to run (summed
        over them: several busy processes can exceed 1)."""
        if len(self.samples) < 2:
            return 0.0
        now, cpu, waited = self.samples[-1]
        then, cpu0, waited0 = next((s for s in self.samples if s[0] >= now - seconds),
                                   self.samples[0])
        return ((cpu - cpu0) + (waited - waited0)) / max(now - then, 1e-6)


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
    support files laid over them; nothing else of the course. With isolation, the sandbox sees
    only the machine's system folders, Python and its box (the folders in `hide` never), and
    the box is a file system of `limits.disk_bytes`: the exports are copied out of it (into a
    folder beside it) before it is released.
    """
    box.mkdir(mode=0o700)
    quota = isolation.available() and limits.uid is not None
    if not quota:
        return _run_in_box(notebook, source, probes, box, limits, support_files, hide, False)
    isolation.mount_quota(box, limits.disk_bytes)
    try:
        result = _run_in_box(notebook, source, probes, box, limits, support_files, hide, True)
        exports = box.with_name(box.name + "-exports")
        if result.artefacts_dir.is_dir():
            shutil.copytree(result.artefacts_dir, exports, symlinks=True)
        result.artefacts_dir = exports
        return result
    finally:
        isolation.release_quota(box)


def _disk_full(box: Path) -> bool:
    stats = os.statvfs(box)
    return stats.f_bavail * stats.f_frsize < 2**20 or stats.f_favail < 16


def _read_status(path: Path) -> dict:
    """The worker's status report: written as the sandbox's user, so read as hostile JSON."""
    try:
        if path.stat().st_size > 2**20:
            return {}
        status = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return {}
    return status if isinstance(status, dict) else {}


def _run_in_box(notebook: nbformat.NotebookNode, source: Path, probes: list[dict], box: Path,
                limits: Limits, support_files: tuple[Path, ...], hide: tuple[Path, ...],
                quota: bool) -> RunResult:
    isolation.become_subreaper()
    started = time.monotonic()
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
        "probes": str(control / "probes.json"),
        "limits": limits.__dict__,
        "hide": [str(path) for path in hide],
    }
    (control / "job.json").write_text(json.dumps(job), encoding="utf-8")
    isolation.hand_over(limits.uid, box)
    stage.mkdir(mode=0o700)  # root's: the mounts that let the sandbox reach Python
    # The hidden inputs: root's alone, so the worker reads them before it gives up root.
    with open(os.open(control / "probes.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600),
              "w", encoding="utf-8") as file:
        json.dump(probes, file)

    tag = secrets.token_hex(len(_TAG_PLACEHOLDER) // 2)
    env = {**_sandbox_env(), RUN_TAG: tag, "HOME": str(control / "home"),
           "JUPYTER_RUNTIME_DIR": str(control / "runtime"), "IPYTHONDIR": str(control / "ipython"),
           "MPLCONFIGDIR": str(control / "mpl")}
    setup = time.monotonic() - started
    failure, busy, grader_error = None, False, None
    # The worker's stderr and exit status: the grader's alone, beside the box, not in it.
    private = Path(tempfile.mkdtemp(prefix="rnnkit-run-"))
    worker = _Worker(private)
    try:
        try:
            worker.start({"job": str(control / "job.json"), "cwd": str(workdir), "env": env})
        except ForkServerError as exc:
            grader_error = f"the sandbox could not run the notebook: {exc}"
        else:
            try:
                failure = _watch(worker, limits, tag)
                if failure == BUSY:
                    busy = True
                    failure = ("the machine was too busy to give the notebook the CPU time "
                               "it was computing with")
                elif failure == WALL:
                    failure = (f"the notebook did not finish within "
                               f"{limits.notebook_wall_seconds:g} s (it was waiting, not "
                               "computing)")
            finally:
                worker.kill()
                kill_descendants(tag)
        process = time.monotonic() - started - setup
        stderr = worker.stderr_tail()
    finally:
        shutil.rmtree(private, ignore_errors=True)

    status = _read_status(control / "status.json")
    if quota and failure is None and grader_error is None and _disk_full(box) \
            and not status.get("exported"):
        failure = (f"the notebook filled its {limits.disk_bytes / 2**30:g} GiB of disk space, "
                   "so its results could not be saved")
    if failure is None and grader_error is None:
        failure = status.get("failure") if isinstance(status.get("failure"), str) else None
    if failure is None and grader_error is None and not status.get("exported"):
        if status:
            failure = "the notebook's results were not exported"
        else:  # the worker never got to run the notebook: the kit's side failed
            tail = stderr.strip().splitlines()[-3:]
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
        busy=busy, grader_error=grader_error,
        cpu_seconds=float(cpu) if isinstance(cpu, (int, float)) else 0.0, stages=stages,
    )


WALL, BUSY = "wall", "busy"
BUSY_FACTOR = 3
"""How far past its wall-clock backstop a computing sandbox may run before the machine is
called too busy to grade it (it is then graded again alone, or left ungraded)."""
JUDGED_SECONDS = 30.0
"""The window over which the grader judges whether a sandbox at its backstop is computing."""
COMPUTING_SHARE = 0.5
CPU_GRACE_SECONDS = 30.0
_MEMORY_FAILURE = "the notebook's processes used more than {gib:g} GiB of memory together"


class _Worker:
    """One sandbox worker, forked by the sandbox's fork server."""

    def __init__(self, private: Path) -> None:
        self.private, self.pid = private, None
        self.status, self.stderr = private / "exit", private / "stderr"

    def start(self, request: dict) -> None:
        self.pid = SANDBOXES.fork(
            {**request, "stderr": str(self.stderr), "status": str(self.status)},
            **sandbox_server())

    def poll(self) -> int | None:
        """Its exit code, or None while it runs (or -9 if its server is gone)."""
        code = exit_code(self.status)
        if code is None and SANDBOXES.pid is None:
            return -signal.SIGKILL  # the server ended and took its children along
        return code

    def kill(self) -> None:
        """Kill it and its session (whatever it started that did not leave it)."""
        if self.pid is None or self.poll() is not None:
            return
        for kill, target in ((os.killpg, self.pid), (os.kill, self.pid)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                kill(target, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while self.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)

    def stderr_tail(self) -> str:
        try:
            with open(self.stderr, "rb") as file:
                file.seek(max(0, os.fstat(file.fileno()).st_size - 4000))
                return file.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""


def _watch(worker: _Worker, limits: Limits, tag: str) -> str | None:
    """Wait for the sandbox, enforcing its wall-clock backstop and its total memory; return
    `WALL`, `BUSY`, a memory failure, or None when it ended by itself.

    At the backstop, a sandbox that was waiting (not running, not ready to run) is stopped:
    `WALL`, the notebook's doing. One that was computing is given more time, since its CPU
    budget stops it; if the machine still has not given it that CPU by `BUSY_FACTOR` times the
    backstop, the run says nothing about the notebook: `BUSY`. Its own processes cannot make
    it look starved: whatever they run counts as CPU it was given.
    """
    started = time.monotonic()
    deadline = started + limits.notebook_wall_seconds
    hard_deadline = started + BUSY_FACTOR * limits.notebook_wall_seconds
    usage, checked = Usage(), 0.0
    while worker.poll() is None:
        time.sleep(0.05)
        if time.monotonic() - checked < 1.0:
            continue
        checked = time.monotonic()
        try:
            processes = _sandbox_processes(worker.pid, limits.uid)
        except psutil.Error:
            continue
        usage.sample(processes)
        if usage.cpu > limits.notebook_cpu_seconds + CPU_GRACE_SECONDS:
            # The worker stops a notebook at its budget; this holds whatever happens inside.
            worker.kill()
            kill_descendants(tag)
            return f"the notebook used more than its {limits.notebook_cpu_seconds:g} CPU seconds"
        if checked > deadline:
            if checked < hard_deadline and \
                    usage.runnable_share(JUDGED_SECONDS) >= COMPUTING_SHARE:
                deadline = min(checked + JUDGED_SECONDS, hard_deadline)
            else:
                worker.kill()
                return BUSY if checked >= hard_deadline else WALL
        if _sandbox_memory(processes) > limits.memory_bytes:
            worker.kill()
            kill_descendants(tag)
            return _MEMORY_FAILURE.format(gib=limits.memory_bytes / 2**30)
    return None
