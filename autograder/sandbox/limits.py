"""Resource limits applied to the process that runs student code (inherited by its kernel)."""

from __future__ import annotations

import resource
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """How much one submission may use. Values come from course_config.py."""

    cell_seconds: int = 120
    """Wall-clock limit for one cell; the kernel is interrupted past it."""
    submission_seconds: int = 600
    """Wall-clock limit for the whole notebook; the process group is killed past it."""
    memory_bytes: int = 8 * 2**30
    """Address-space cap for the kernel (TensorFlow reserves a few GiB of virtual memory)."""
    max_processes: int = 512
    """Cap on processes and threads of the sandbox user (enforced for unprivileged users)."""
    max_file_bytes: int = 512 * 2**20
    """Largest file the student's code may write."""

    def apply(self) -> None:
        """Set these limits on the current process; children inherit them."""
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_AS, (self.memory_bytes, self.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.max_file_bytes, self.max_file_bytes))
        resource.setrlimit(resource.RLIMIT_NPROC, (self.max_processes, self.max_processes))
