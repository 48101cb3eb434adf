"""Warm starts: a process that imports TensorFlow once, then forks a fresh process per request.

Importing TensorFlow and Keras costs seconds, and both sides of grading need them: the student's
kernel and the trusted checks. A fork server pays for the imports once per grading process; each
request gets a child of its own (nothing of one request reaches the next) that starts in a
fraction of a second. The server itself only imports: it never runs a request's code, builds a
model or reads a request's data, so its children inherit no state but the imported modules.

Protocol, one JSON object per line: the client writes a request (its `status` key names a file);
the server answers {"pid"} at once, and writes the child's exit code (negative: the signal that
ended it) to the `status` file when it is reaped. EOF on its input ends the server, and with it
every child still running.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import json
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import psutil

_PR_SET_CHILD_SUBREAPER = 36


class ForkServerError(RuntimeError):
    """The fork server could not start, or ended: a failure of the grader, never a student's."""


def _reap(statuses: dict[int, str]) -> None:
    """Reap every child that ended: its own, with the exit code written for the client, and
    the orphans of its children's subtrees that it adopted."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        path = statuses.pop(pid, None)
        if path is not None:
            code = os.waitstatus_to_exitcode(status)
            with contextlib.suppress(OSError):  # the client removed its folder: it is stopping
                with open(path + ".part", "w", encoding="utf-8") as file:
                    file.write(str(code))
                os.replace(path + ".part", path)


def serve(preload: Iterable[str], child: Callable[[dict], int]) -> None:
    """Import `preload`, then fork a child that runs `child(request)` and exits with what it
    returns, for each request until EOF."""
    # Whatever a child leaves behind is adopted here, not by the client (which may be gone):
    # this process kills and reaps it.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    for module in preload:
        importlib.import_module(module)
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
            code = 3
            try:
                redirect(None, None)  # the server's pipes are not the request's business
                close_fds()
                code = child(request)
            except BaseException:  # noqa: BLE001 - whatever happens, the child must not return
                import traceback

                with contextlib.suppress(Exception):
                    traceback.print_exc()
            finally:
                with contextlib.suppress(Exception):
                    sys.stdout.flush()
                    sys.stderr.flush()
            os._exit(code)
        statuses[pid] = request["status"]
        print(json.dumps({"pid": pid}), flush=True)
    _end_children()


def _end_children() -> None:
    """The client is gone: kill every process of this one's subtree and reap them all."""
    for _ in range(3):
        victims = psutil.Process().children(recursive=True)
        if not victims:
            return
        for victim in victims:
            with contextlib.suppress(psutil.Error):
                victim.kill()
        deadline = time.monotonic() + 5
        # Each dead one, child or grandchild, ends up as this process's child: reaped here.
        while time.monotonic() < deadline:
            _reap({})
            if not any(psutil.pid_exists(victim.pid) for victim in victims):
                break
            time.sleep(0.02)


def close_fds(keep: tuple[int, ...] = ()) -> None:
    """In a child: close every descriptor above stderr but `keep`."""
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 16)


def redirect(stdout: str | None, stderr: str | None) -> None:
    """In a child: read nothing, and write to the named files (None: nowhere)."""
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    for fd, path in ((1, stdout), (2, stderr)):
        if path is None:
            os.dup2(null, fd)
        else:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.dup2(handle, fd)
            os.close(handle)
    os.close(null)
    # closefd=False: the objects these replace may be collected, and must not close 1 and 2.
    sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
    sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)


class ForkServer:
    """The client side: a server (`python -m MODULE`) started on first use and kept for later
    requests, ended with the process that started it."""

    def __init__(self, module: str, what: str) -> None:
        self.module, self.what = module, what
        self.proc: subprocess.Popen | None = None
        self.lock = threading.Lock()
        self._settings: tuple | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    def _start(self, python: str, env: dict[str, str], cwd: Path) -> subprocess.Popen:
        settings = (python, sorted(env.items()), str(cwd))
        if self.pid is not None and settings == self._settings:
            return self.proc
        self.stop()  # another Python or environment: another server
        self.proc = subprocess.Popen(
            [python, "-m", self.module], cwd=cwd, env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._settings = settings
        if not self.proc.stdout.readline():
            _, err = self.proc.communicate()
            tail = " | ".join(err.decode("utf-8", "replace").strip().splitlines()[-3:])
            raise ForkServerError(f"{self.what} cannot start: importing what it needs failed "
                                  f"(exit {self.proc.returncode}): {tail[:500]}")
        # Its imports are done: what it writes to stderr from now on is its children's business.
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()
        return self.proc

    def warm(self, python: str, env: dict[str, str], cwd: Path) -> None:
        """Start importing in the background, while other work goes on."""
        def start() -> None:
            with self.lock, contextlib.suppress(ForkServerError, OSError):
                self._start(python, env, cwd)
        threading.Thread(target=start, daemon=True).start()

    def fork(self, request: dict, python: str, env: dict[str, str], cwd: Path) -> int:
        """Fork a child for `request` (a server of this Python and environment); its pid."""
        with self.lock:
            proc = self._start(python, env, cwd)
            try:
                proc.stdin.write((json.dumps(request) + "\n").encode())
                proc.stdin.flush()
                answer = proc.stdout.readline()
            except OSError:
                answer = b""
            if not answer:
                raise ForkServerError(f"{self.what} ended unexpectedly")
            return int(json.loads(answer)["pid"])

    def stop(self) -> None:
        """End the server: EOF first, so that it ends its children too; then a kill."""
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def exit_code(status: Path) -> int | None:
    """The exit code a server wrote for a child, or None while it runs."""
    try:
        return int(status.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
