"""Warm kernels: the sandbox's Jupyter kernels are forked, not started, so TensorFlow is already
imported when the student's first cell runs.

The worker comes from a fork server that has imported the course's libraries
(`course_config.SANDBOX_PRELOAD`). Once it has isolated itself and set its limits, and before it
starts a thread or reads the hidden inputs, it forks a `KernelTemplate`: a process that does
nothing but fork kernels on request. Each kernel (the first, and any restart) is a fresh fork
of the template, so nothing of one kernel reaches the next, and it is handed to the worker as
its own child: the worker reaps it, counts its CPU time and signals it as it would a kernel it
had started with `subprocess`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from typing import Any

from jupyter_client.manager import AsyncKernelManager

from autograder.forkserver import close_fds, redirect


def _become_kernel(request: dict) -> None:
    """In a fresh fork of the template: run an IPython kernel as `python -m ipykernel_launcher
    ARGV` would, in the request's folder and environment. Never returns."""
    code = 1
    try:
        os.setsid()  # as jupyter_client starts kernels: an interrupt reaches its process group
        redirect(None, None)  # what the kernel prints outside cells stays in the sandbox
        close_fds()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["ipykernel_launcher", *request["argv"]]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=request["argv"])
        code = 0
    finally:
        os._exit(code)


class KernelTemplate:
    """A process forked (single-threaded) from the worker, which forks a kernel per request.

    Each kernel is forked by a short-lived middle process that exits at once, so the kernel is
    adopted by the worker (a subreaper, or the PID namespace's init) and becomes its child.
    """

    def __init__(self) -> None:
        requests_in, requests_out = os.pipe()
        answers_in, answers_out = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(requests_out)
            os.close(answers_in)
            self._serve(requests_in, answers_out)
        os.close(requests_in)
        os.close(answers_out)
        self.pid, self.gone = pid, False
        self._requests = os.fdopen(requests_out, "wb", buffering=0)
        self._answers = os.fdopen(answers_in, "rb", buffering=0)

    @staticmethod
    def _serve(requests_in: int, answers_out: int) -> None:
        code = 0
        try:
            close_fds((requests_in, answers_out))
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # interrupts are for kernels
            with os.fdopen(requests_in, "rb") as requests:
                for line in requests:
                    request = json.loads(line)
                    found_in, found_out = os.pipe()
                    middle = os.fork()
                    if middle == 0:
                        os.close(found_in)
                        kernel = os.fork()
                        if kernel == 0:
                            os.close(found_out)
                            _become_kernel(request)
                        os.write(found_out, f"{kernel}\n".encode())
                        os._exit(0)
                    os.close(found_out)
                    with os.fdopen(found_in, "rb") as found:
                        kernel = found.readline()
                    os.waitpid(middle, 0)  # the kernel is the worker's now
                    os.write(answers_out, kernel or b"0\n")
        except BaseException:  # noqa: BLE001 - the template must never return into the worker
            code = 1
        os._exit(code)

    def launch(self, argv: list[str], env: dict[str, str], cwd: str) -> int:
        """Fork a kernel run with `argv` (ipykernel's arguments); its pid, a child of this
        process. OSError if the template is gone (the student's code can kill it) or could
        not fork."""
        if self.gone:
            raise OSError("the kernel template is gone")
        request = {"argv": argv, "env": env, "cwd": cwd}
        self.gone = True  # until it answers
        self._requests.write((json.dumps(request) + "\n").encode())
        answer = self._answers.readline()
        pid = int(answer) if answer.strip().isdigit() else 0
        if pid <= 0:
            raise OSError("the kernel template could not fork a kernel")
        self.gone = False
        return pid

    def close(self) -> None:
        """End the template (its input closes) and reap it."""
        with contextlib.suppress(OSError):
            self._requests.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


class AdoptedProcess:
    """What `subprocess.Popen` offers jupyter_client, for a child this process did not start
    itself (a kernel the template forked)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid, self.returncode = pid, None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = 0  # reaped elsewhere
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"kernel {self.pid} still runs")
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels come from a `KernelTemplate` instead of `subprocess`;
    started the usual way (a cold start) once the template is gone."""

    template: KernelTemplate | None = None

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        provisioner = self.provisioner
        if self.template is None or provisioner is None:
            await super()._async_launch_kernel(kernel_cmd, **kw)
            return
        argv = kernel_cmd[kernel_cmd.index("ipykernel_launcher") + 1:]
        env = kw.get("env") or dict(os.environ)
        try:
            pid = self.template.launch(argv, dict(env), str(kw.get("cwd") or os.getcwd()))
        except OSError:
            self.template = None
            await super()._async_launch_kernel(kernel_cmd, **kw)
            return
        provisioner.process = AdoptedProcess(pid)
        provisioner.pid = provisioner.pgid = pid
        provisioner.cwd = kw.get("cwd")
        self._reconcile_connection_info(provisioner.connection_info)
