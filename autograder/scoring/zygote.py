"""A warm start for the trusted checks: one process imports TensorFlow, then forks a fresh
process for each run of the checks.

Importing TensorFlow and Keras costs seconds, and every batch of checks needs them. The zygote
pays for it once per grading process: for each request it forks a child that sets its memory
cap, sends its output to a file and runs pytest, so a run of the checks still gets a process of
its own (nothing of one batch reaches the next) but starts in a fraction of a second. The
zygote itself never runs a check or builds a model, so the children inherit no TensorFlow state.

Protocol, one JSON object per line: the grader writes {"args", "output", "status", "memory"};
the zygote answers {"pid"} at once, and writes the child's exit code (negative: the signal that
ended it) to the `status` file when it is reaped. EOF on its input ends the zygote.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import select
import sys


def _child(request: dict) -> None:
    """In the forked child: run the checks as `python -m pytest ARGS` would, then exit."""
    try:
        os.setsid()
        memory = int(request["memory"])
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        output = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(output, 1)
        os.dup2(output, 2)
        sys.stdout = os.fdopen(1, "w", buffering=1)
        sys.stderr = os.fdopen(2, "w", buffering=1)
        import pytest

        code = int(pytest.main(request["args"]))
    except BaseException:  # noqa: BLE001 - whatever happens, the child must not return
        import traceback

        traceback.print_exc()
        code = 3
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
    os._exit(code)


def _reap(statuses: dict[int, str]) -> None:
    while statuses:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        path = statuses.pop(pid, None)
        if path is not None:
            code = os.waitstatus_to_exitcode(status)
            with open(path + ".part", "w", encoding="utf-8") as file:
                file.write(str(code))
            os.replace(path + ".part", path)


def serve() -> None:
    """Import what the checks need, then fork a child for each request until EOF."""
    import keras  # noqa: F401
    import numpy  # noqa: F401
    import pytest  # noqa: F401
    import tensorflow  # noqa: F401

    statuses: dict[int, str] = {}
    requests = sys.stdin.buffer
    print(json.dumps({"ready": True}), flush=True)
    while True:
        readable, _, _ = select.select([requests], [], [], 0.1)
        _reap(statuses)
        if not readable:
            continue
        line = requests.readline()
        if not line:
            break
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        statuses[pid] = request["status"]
        print(json.dumps({"pid": pid}), flush=True)
    for pid in statuses:  # the grader is gone: its checks end with it
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)
    for pid in statuses:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


if __name__ == "__main__":
    serve()
