"""Resource limits of one sandbox: CPU budgets that do not depend on load, and backstops."""

from __future__ import annotations

import resource
from dataclasses import dataclass

# TensorFlow, BLAS and OpenMP each start a thread per core. One thread each keeps a notebook's
# CPU seconds the same on any machine and under any load, and N sandboxes on N cores from
# fighting over them.
SINGLE_THREADED = {
    "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
}


@dataclass(frozen=True)
class Limits:
    """How much one submission may use. Values come from course_config.py.

    Budgets are in CPU seconds, which another process's load does not change; the wall-clock
    limits are backstops for code that waits instead of computing (a `sleep`, a deadlock).
    """

    cell_cpu_seconds: float = 60
    """CPU seconds one cell may use; the cell is interrupted past it."""
    notebook_cpu_seconds: float = 240
    """CPU seconds the whole notebook may use (every cell, every restart of the kernel)."""
    cell_wall_seconds: float = 150
    """Wall-clock backstop for one cell."""
    notebook_wall_seconds: float = 780
    """Wall-clock backstop for the whole sandbox; its processes are killed past it."""
    memory_bytes: int = 8 * 2**30
    """Address-space cap of each process, and the cap on the resident memory of them all."""
    max_processes: int = 512
    """Processes and threads of the sandbox's own user (only when it has one)."""
    max_file_bytes: int = 512 * 2**20
    """Largest file the student's code may write."""
    disk_bytes: int = 2**30
    """Everything the sandbox may write together, files in its /tmp included (only where the
    grader can isolate it: a file system of that size holds them all)."""
    uid: int | None = None
    """The sandbox's own unprivileged user, or None where the grader cannot switch users."""

    def apply(self) -> None:
        """Set these limits on the current process; children inherit them."""
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_AS, (self.memory_bytes, self.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.max_file_bytes, self.max_file_bytes))
        # Per process: each kernel stops for good a little past the notebook's whole budget
        # (the worker enforces the budget itself, across restarts).
        cpu = int(self.notebook_cpu_seconds) + 10
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        if self.uid is not None:
            # RLIMIT_NPROC counts every process of a user: only a user of its own keeps one
            # sandbox from using up another's (or the grader's) share.
            resource.setrlimit(resource.RLIMIT_NPROC, (self.max_processes, self.max_processes))
