"""Reading a student's notebook in bounds: in a child process with a memory cap and a CPU
limit, forked from a small server that has imported nbformat once.

JSON nested a hundred thousand deep, millions of tiny objects in a few megabytes, metadata of
the wrong shape: whatever the file holds, parsing it can only cost that child, which answers
with a clean notebook (`notebook_io.clean`: sources and nbgrader metadata, no outputs) or with
why the file cannot be graded. The grading process reads only the clean file. A child that
runs out of its memory or CPU is the file's doing (the student reads why); one that gets no
CPU at all within a wall-clock backstop is the machine's (the submission is left ungraded).
"""

from __future__ import annotations

import atexit
import json
import os
import resource
import signal
import sys
import time
from pathlib import Path

import nbformat

import course_config
from autograder.forkserver import ForkServer, ForkServerError, exit_code, redirect, serve
from autograder.notebook_io import NotebookError, clean, read_notebook

READ_MEMORY_BYTES = course_config.READ_MEMORY_BYTES
READ_CPU_SECONDS = course_config.READ_CPU_SECONDS
WALL_SECONDS = 4 * READ_CPU_SECONDS + 60
"""Past this, a child that did not use up its CPU seconds was starved by the machine."""

_SERVER = ForkServer("autograder.intake", "the notebook reader's fork server")
atexit.register(_SERVER.stop)


class ReaderUnavailable(Exception):
    """The reader could not read the file through no fault of it (the grader's side)."""


def _server() -> dict:
    root = Path(course_config.ROOT)
    return {"python": sys.executable, "cwd": root,
            "env": {**os.environ, "PYTHONPATH": str(root)}}


def warm() -> None:
    """Start the reader's server in the background."""
    _SERVER.warm(**_server())


def _child(request: dict) -> int:
    """Read `path`; write the clean notebook to `out` and {"error"} or {"ok"} to `answer`."""
    os.setsid()
    memory = int(request["memory"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(request["cpu"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    redirect(None, None)
    answer: dict
    try:
        notebook = clean(read_notebook(Path(request["path"])))
        nbformat.write(notebook, request["out"])
        answer = {"ok": True}
    except NotebookError as exc:
        answer = {"error": str(exc)}
    except MemoryError:
        answer = {"error": f"reading it takes more than {memory / 2**30:g} GiB of memory"}
    except RecursionError:
        answer = {"error": "the file's JSON is nested too deeply to be a notebook"}
    with open(request["answer"], "w", encoding="utf-8") as file:
        json.dump(answer, file)
    return 0


def read_submitted(path: Path, folder: Path) -> nbformat.NotebookNode:
    """The notebook at `path`, validated and cleaned, read in a bounded child process.

    `folder` (created here) receives the clean notebook and the child's answer. Raises
    NotebookError when the file cannot be graded (the student's message), ReaderUnavailable
    when the grader could not read it.
    """
    folder.mkdir(mode=0o700)
    out, answer, status = folder / "clean.ipynb", folder / "answer.json", folder / "status"
    request = {"path": str(Path(path).absolute()), "out": str(out), "answer": str(answer),
               "status": str(status), "memory": READ_MEMORY_BYTES, "cpu": READ_CPU_SECONDS}
    try:
        pid = _SERVER.fork(request, **_server())
    except ForkServerError as exc:
        raise ReaderUnavailable(str(exc)) from None
    deadline = time.monotonic() + WALL_SECONDS
    while (code := exit_code(status)) is None:
        if time.monotonic() > deadline or _SERVER.pid is None:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            raise ReaderUnavailable("the notebook reader did not answer in time (the machine "
                                    "is busy)")
        time.sleep(0.01)
    if code == -signal.SIGXCPU or code == -signal.SIGKILL:
        raise NotebookError(f"reading the file took more than {READ_CPU_SECONDS} CPU seconds")
    if code != 0 or not answer.is_file():
        # Out of memory before Python could raise MemoryError, or a crash of the parser.
        raise NotebookError(f"the file could not be read within "
                            f"{READ_MEMORY_BYTES / 2**30:g} GiB of memory")
    result = json.loads(answer.read_text(encoding="utf-8"))
    if "error" in result:
        raise NotebookError(str(result["error"]))
    return nbformat.read(str(out), as_version=4)


def _preload() -> None:
    """Compile nbformat's schema validator once, so each child inherits it."""
    nbformat.validate(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]))


if __name__ == "__main__":
    _preload()
    serve(("nbformat", "autograder.notebook_io"), _child)
