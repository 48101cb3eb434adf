"""Entry point of the sandbox process: run a notebook's cells, then export the declared probes.

Forked by the sandbox's fork server (`autograder.sandbox.zygote`) for `autograder.sandbox.runner`,
in a fresh directory that holds only the submission. It isolates itself (see `isolation`),
applies the resource limits, forks the template of its kernels (see `kernels`), runs every code
cell in a Jupyter kernel (a failing cell does not stop the next ones, as in a student's own
run), then asks the kernel to export the probe results. A cell that kills the kernel, makes it
send messages that cannot be read, or ignores the interrupt that ends its CPU budget, is
skipped and the notebook is run again without it, so it costs only the checks that depend on
it. A cell past its wall-clock backstop is interrupted if it was waiting (a sleep, a deadlock);
one that was computing runs on until its CPU budget stops it.
"""

from __future__ import annotations

import asyncio
import builtins
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError

from autograder.sandbox import isolation
from autograder.sandbox.kernels import ForkedKernelManager, KernelTemplate
from autograder.sandbox.limits import Limits

EXPORT_TEMPLATE = """\
_grader_ns = {{}}
exec(compile({source!r}, "<grader-export>", "exec"), _grader_ns)
_grader_ns["export"]({probes!r}, {outdir!r}, globals())
del _grader_ns
"""
MAX_RESTARTS = 3


class KernelUnreadable(Exception):
    """The kernel sent what the client could not read (a wrong signature, a malformed message).

    The kernel is the student's process and holds its session key: whatever it sends is
    hostile, so this is the running cell's doing, handled like a cell that killed the kernel.
    """


class Budget:
    """Watches the CPU seconds of everything the worker started (the kernel, its children,
    processes they left behind) and stops a cell, or the notebook, that spends too much.

    Runs in a thread beside nbclient: a cell over its budget is interrupted like a timed-out
    one; a cell that ignores the interrupt has its kernel killed (and is skipped in a re-run);
    a notebook over its budget has its kernel killed for good.
    """

    GRACE_SECONDS = 10.0

    def __init__(self, cell_seconds: float, notebook_seconds: float) -> None:
        self.cell_seconds, self.notebook_seconds = cell_seconds, notebook_seconds
        self.kernel: psutil.Process | None = None
        self.cell: int | None = None
        self.cell_start = 0.0
        self.interrupted_at: float | None = None
        self.over_cells: set[int] = set()
        self.over_notebook = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def begin_cell(self, index: int) -> None:
        self.cell, self.cell_start, self.interrupted_at = index, used_cpu(), None

    def end_cell(self) -> None:
        self.cell = None

    def _watch(self) -> None:
        while not self._stop.wait(0.25):
            kernel, cell = self.kernel, self.cell
            if kernel is None or cell is None:
                continue
            used = used_cpu()
            if used > self.notebook_seconds:
                self.over_notebook = True
                _kill_tree(kernel)
            elif used - self.cell_start > self.cell_seconds:
                self.over_cells.add(cell)
                if self.interrupted_at is None:
                    self.interrupted_at = time.monotonic()
                    _signal(kernel, signal.SIGINT)
                elif time.monotonic() - self.interrupted_at > self.GRACE_SECONDS:
                    _kill_tree(kernel)


def used_cpu() -> float:
    """CPU seconds used by every process this one started, alive or ended."""
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = ended.ru_utime + ended.ru_stime
    for process in psutil.Process().children(recursive=True):
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def waited_seconds() -> float | None:
    """Seconds the threads of this process's descendants spent ready to run but waiting for a
    CPU (Linux schedstat), or None where the kernel does not say."""
    total = 0
    for process in psutil.Process().children(recursive=True):
        try:
            for task in Path(f"/proc/{process.pid}/task").iterdir():
                total += int((task / "schedstat").read_text().split()[1])
        except (OSError, ValueError, IndexError):
            if not Path("/proc/self/schedstat").is_file():
                return None
    return total / 1e9


def _signal(process: psutil.Process, signum: int) -> None:
    try:
        process.send_signal(signum)
    except psutil.Error:
        pass


def _kill_tree(process: psutil.Process) -> None:
    try:
        victims = [*process.children(recursive=True), process]
    except psutil.Error:
        return
    for victim in victims:
        _signal(victim, signal.SIGKILL)


COMPUTING_SHARE = 0.5
"""A cell whose processes ran or were ready to run for at least this share of the time since
it was last judged is computing: its CPU budget, not the wall clock, decides when it stops."""


class CappedClient(NotebookClient):
    """A notebook client that stops keeping a cell's output past a size cap, and lets a cell
    that computes run past its wall-clock backstop (its CPU budget stops it), while one that
    waits (a sleep, a deadlock) is interrupted there.

    Nothing here calls a run busy: whether the machine starved a sandbox is judged outside
    it, by the grader (`runner._watch`), from what the kernel accounted to its processes.
    """

    max_output_chars = 1_000_000
    window = (0.0, 0.0, 0.0)
    """(wall-clock time, CPU seconds used, seconds waited for a CPU) when the running cell
    started or was last judged to be computing."""
    budget: Budget | None = None

    def begin_window(self) -> None:
        self.window = (time.monotonic(), used_cpu(), waited_seconds() or 0.0)

    def output(self, outs, msg, display_id, cell_index):
        size = sum(len(json.dumps(o, default=str)) for o in outs)
        if size > self.max_output_chars:
            if not outs or outs[-1].get("text") != "[output truncated by the grader]\n":
                outs.append(nbformat.v4.new_output("stream", name="stdout",
                                                   text="[output truncated by the grader]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)

    async def _async_handle_timeout(self, timeout, cell=None):  # nbclient's signature
        started, cpu_before, waited_before = self.window
        elapsed = max(time.monotonic() - started, 1e-6)
        runnable = (used_cpu() - cpu_before) + ((waited_seconds() or 0.0) - waited_before)
        spent = self.budget is not None and self.budget.cell in self.budget.over_cells
        if not spent and runnable >= COMPUTING_SHARE * elapsed:
            self.begin_window()
            await asyncio.sleep(min(10.0, float(timeout)))
            return None  # nbclient waits again for the reply
        return await super()._async_handle_timeout(timeout, cell)


def _error_of(cell: nbformat.NotebookNode) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename')}: {str(output.get('evalue'))[:300]}"
    return None


def _add(stages: dict[str, float], stage: str, seconds: float) -> None:
    stages[stage] = round(stages.get(stage, 0.0) + seconds, 3)


def _run_once(job: dict, cells: list, skip: set[int], export_cell: nbformat.NotebookNode,
              current: dict, budget: Budget, stages: dict[str, float],
              template: KernelTemplate) -> list[dict]:
    """Run the cells (but `skip`) and the export in one kernel; return the cells' errors.

    `current["index"]` tells, if the kernel dies, which cell was running; `stages` adds up
    the wall-clock seconds of kernel starts, cells and the export.
    """
    notebook = nbformat.v4.new_notebook(cells=[*cells, export_cell])
    limits = job["limits"]
    # The async manager: with a blocking one, nbclient cannot notice a dead kernel.
    km = ForkedKernelManager(kernel_name="python3", transport="ipc", ip=job["ipc"])
    km.template = template
    client = CappedClient(
        notebook, km=km,
        timeout=limits["cell_wall_seconds"], interrupt_on_timeout=True, allow_errors=True,
        resources={"metadata": {"path": job["workdir"]}},
        shutdown_kernel="immediate",  # the results are exported: nothing to wait for
    )
    client.budget = budget
    errors: list[dict] = []
    started = time.monotonic()
    # What the kernel prints outside cells stays in the sandbox: it could carry hidden inputs.
    with client.setup_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        budget.kernel = psutil.Process(km.provisioner.process.pid)
        _add(stages, "kernel_start", time.monotonic() - started)
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code" or index in skip:
                continue
            current["index"] = index
            cell_started = time.monotonic()
            client.begin_window()
            budget.begin_cell(index)
            try:
                client.execute_cell(cell, index)
            except (DeadKernelError, CellExecutionError):
                raise
            except Exception as exc:
                raise KernelUnreadable(type(exc).__name__) from exc
            finally:
                budget.end_cell()
                _add(stages, "cells" if index < len(cells) else "export",
                     time.monotonic() - cell_started)
            error = _error_of(cell)
            if index in budget.over_cells:
                error = (f"the cell used more than its {limits['cell_cpu_seconds']:g} CPU "
                         "seconds and was stopped")
            if error and index < len(cells):
                grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                errors.append({"cell": index, "grade_id": grade_id, "error": error})
        budget.kernel = None
    return errors


def run(job: dict) -> dict:
    """Run the notebook described by `job` and return the status report."""
    started = time.monotonic()
    status: dict = {"cell_errors": [], "exported": False, "failure": None, "isolated": False,
                    "skipped_cells": [], "cpu_seconds": 0.0, "stages": {}}
    limits = Limits(**job["limits"])
    # Read before isolating: the kit's files may sit where the sandbox cannot see (under /tmp).
    exporter = Path(job["exporter"]).read_text(encoding="utf-8")
    # The hidden inputs: opened now (the file is root's where the sandbox has a user of its
    # own) and unlinked, but read only once the kernel template has been forked, so that no
    # kernel's memory ever held them.
    probes_fd = os.open(job["probes"], os.O_RDONLY)
    os.unlink(job["probes"])
    if isolation.available() and limits.uid is not None:
        try:
            needed = [sys.prefix, sys.base_prefix, os.path.realpath(sys.executable),
                      *sys.path[1:]]
            isolation.isolate(job["hide"], [p for p in needed if p and os.path.exists(p)],
                              Path(job["stage"]), Path(job["box"]), limits.uid)
            status["isolated"] = True
        except OSError as exc:
            status["isolation_error"] = str(exc)
    # Orphans' CPU time is counted, they can be killed, and forked kernels are adopted.
    isolation.become_subreaper()
    limits.apply()
    template = KernelTemplate()  # before any thread starts
    with os.fdopen(probes_fd, "rb") as file:
        probes = json.load(file)
    _add(status["stages"], "isolate", time.monotonic() - started)
    cells = list(nbformat.read(job["notebook"], as_version=4).cells)
    export_cell = nbformat.v4.new_code_cell(EXPORT_TEMPLATE.format(
        source=exporter, probes=probes, outdir=job["outdir"]))
    budget = Budget(limits.cell_cpu_seconds, limits.notebook_cpu_seconds)
    budget.start()
    # The kernel's sockets: a socket path has at most 107 bytes, so not under the working
    # folder, whose path can be long; /tmp is the sandbox's own when it is isolated.
    sockets = tempfile.mkdtemp(prefix="rnnkit-ipc-", dir="/tmp")
    try:
        _run_cells(status, cells, export_cell, {**job, "ipc": f"{sockets}/kernel"}, budget,
                   template)
    finally:
        template.close()
        budget.stop()
        status["cpu_seconds"] = round(used_cpu(), 2)
        shutil.rmtree(sockets, ignore_errors=True)
    return status


def _run_cells(status: dict, cells: list, export_cell: nbformat.NotebookNode, job: dict,
               budget: Budget, template: KernelTemplate) -> None:
    skip: set[int] = set()
    for _ in range(MAX_RESTARTS + 1):
        current = {"index": None}
        try:
            errors = _run_once(job, cells, skip, export_cell, current, budget, status["stages"],
                               template)
        except (DeadKernelError, KernelUnreadable):
            if budget.over_notebook:
                status["failure"] = (f"the notebook used more than its "
                                     f"{budget.notebook_seconds:g} CPU seconds")
                return
            killer = current["index"]
            if killer is None or killer >= len(cells):
                status["failure"] = "the notebook's kernel died while exporting results"
                return
            skip.add(killer)
            status["skipped_cells"].append(killer)
            continue
        except CellExecutionError as exc:
            status["failure"] = f"a cell could not run ({type(exc).__name__})"
            return
        status["cell_errors"] = errors
        export_error = _error_of(export_cell)
        if export_error:
            # Only a built-in kind of error: its text, or the name of an exception class the
            # student made up, may quote the hidden inputs of the export.
            kind = str(next(o.get("ename") for o in export_cell.outputs
                            if o.get("output_type") == "error"))
            known = isinstance(getattr(builtins, kind, None), type)
            status["failure"] = ("exporting results failed "
                                 f"({kind if known else 'an exception of its own type'})")
        else:
            status["exported"] = True
        return
    status["failure"] = "the notebook's kernel died too many times"


def main(job_path: str) -> None:
    """Run the job described in `job_path` and write its status report."""
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    status = run(job)
    Path(job["status"]).write_text(json.dumps(status), encoding="utf-8")


if __name__ == "__main__":  # a cold start, without the fork server: for debugging
    os.umask(0o077)
    main(sys.argv[1])
