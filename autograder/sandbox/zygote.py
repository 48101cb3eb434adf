"""The sandbox's fork server (see `autograder.forkserver`): each sandbox worker is a fresh
process forked from one that has already imported the course's libraries
(`course_config.SANDBOX_PRELOAD`), so the kernels it forks in turn start warm.

A request is {"job", "cwd", "env", "stderr", "status"}: the child becomes what
`python -m autograder.sandbox.worker JOB` started in `cwd` with `env` would be: its own session,
its own environment (the run's tag included, see `retag`), its stderr in the `stderr` file.
"""

from __future__ import annotations

import os
import sys

import course_config
from autograder.forkserver import redirect, serve
from autograder.sandbox import worker
from autograder.sandbox.runner import RUN_TAG


def retag(name: str, value: str) -> None:
    """Write `value` over the placeholder this process was started with for `name`, in place.

    `/proc/PID/environ`, where the grader looks for a run's tag to find every process the run
    left behind, shows the environment a process was *executed* with. A forked worker was never
    executed: its environment there is the server's, until the placeholder's bytes (as long as
    the tag) are overwritten in the process's own memory.
    """
    with open("/proc/self/environ", "rb") as file:
        environ = file.read()
    key = f"{name}=".encode()
    at = 0 if environ.startswith(key) else environ.index(b"\0" + key) + 1
    old = environ[at + len(key):].split(b"\0", 1)[0]
    if len(old) != len(value):
        raise ValueError(f"{name}: a tag of {len(value)} characters needs a placeholder as long")
    with open("/proc/self/stat", encoding="ascii") as file:
        env_start = int(file.read().rsplit(")", 1)[1].split()[47])  # field 50 of proc(5)
    with open("/proc/self/mem", "r+b", buffering=0) as memory:
        memory.seek(env_start + at + len(key))
        memory.write(value.encode())


def _child(request: dict) -> int:
    os.setsid()
    os.umask(0o077)
    redirect(None, request["stderr"])
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    retag(RUN_TAG, request["env"][RUN_TAG])
    sys.path[0] = request["cwd"]  # as for `python -m` started there
    sys.argv = [worker.__file__, request["job"]]
    worker.main(request["job"])
    return 0


if __name__ == "__main__":
    serve(course_config.SANDBOX_PRELOAD, _child)
