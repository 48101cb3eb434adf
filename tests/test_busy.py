"""Whether the machine starved a sandbox is judged from outside it: a notebook's own
processes cannot make it look busy, and a cell that computes forever loses that cell the same
way on an idle machine and under load."""

from __future__ import annotations

import contextlib
import multiprocessing
import secrets
import time
from pathlib import Path

import nbformat

import course_config
from autograder.checks import probes
from autograder.sandbox import isolation
from autograder.sandbox.limits import Limits
from autograder.sandbox.runner import RunResult, run_notebook

# Small budgets so the test runs in seconds: a cell's wall-clock backstop (4 s) is far below
# what its CPU budget (3 s) takes when it gets a fifth of a core.
LIMITS = Limits(cell_cpu_seconds=3, notebook_cpu_seconds=20, cell_wall_seconds=4,
                notebook_wall_seconds=90)
HANG = "while True:\n    pass"
AFTER = "after = 1"


def _run(tmp_path: Path, cells: list[str], limits: Limits = LIMITS) -> RunResult:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    folder = tmp_path / f"submission-{secrets.token_hex(4)}"
    folder.mkdir()
    path = folder / "notebook.ipynb"
    nbformat.write(notebook, str(path))
    lease = isolation.UserLease(course_config.SANDBOX_UIDS, Path(course_config.SANDBOX_LOCK_DIR)) \
        if isolation.available() else contextlib.nullcontext()
    with lease as uid:
        return run_notebook(notebook, path, [probes.variable("after", "after")],
                            tmp_path / f"box-{secrets.token_hex(4)}",
                            Limits(**{**limits.__dict__, "uid": uid}))


def _spin() -> None:
    while True:
        pass


@contextlib.contextmanager
def _busy_machine(per_core: int = 4):
    """Busy loops of another user than the sandbox's: per_core for every core."""
    loops = [multiprocessing.Process(target=_spin, daemon=True)
             for _ in range(per_core * multiprocessing.cpu_count())]
    for loop in loops:
        loop.start()
    try:
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.join()


def _verdict(run: RunResult) -> tuple:
    return (run.busy, run.failure, run.grader_error,
            [(e["cell"], e["error"]) for e in run.cell_errors])


def test_a_cpu_bound_hang_loses_its_cell_the_same_idle_and_under_load(tmp_path: Path) -> None:
    idle = _run(tmp_path, [HANG, AFTER])
    with _busy_machine():
        started = time.monotonic()
        loaded = _run(tmp_path, [HANG, AFTER])
        seconds = time.monotonic() - started
    assert _verdict(idle) == _verdict(loaded), (seconds, _verdict(idle), _verdict(loaded))
    assert not idle.busy and idle.failure is None
    assert [e["cell"] for e in idle.cell_errors] == [0]
    assert "CPU seconds" in idle.cell_errors[0]["error"]


def test_a_notebooks_own_processes_cannot_make_it_look_busy(tmp_path: Path) -> None:
    crowd = ("import multiprocessing as mp\n"
             "def spin():\n    while True:\n        pass\n"
             "crowd = [mp.Process(target=spin, daemon=True) for _ in range(24)]\n"
             "for p in crowd:\n    p.start()\n"
             "import time\ntime.sleep(600)")
    run = _run(tmp_path, [crowd, AFTER])
    assert not run.busy and run.grader_error is None, _verdict(run)
    # Its processes spend its CPU budget: the cell (or the notebook) is stopped for that.
    assert "CPU seconds" in (run.failure or "") or \
        any("CPU seconds" in e["error"] for e in run.cell_errors), _verdict(run)


def test_a_cell_that_waits_is_stopped_at_its_backstop(tmp_path: Path) -> None:
    run = _run(tmp_path, ["import time\ntime.sleep(600)", AFTER])
    assert not run.busy and run.failure is None, _verdict(run)
    assert [e["cell"] for e in run.cell_errors] == [0]


def test_a_starved_sandbox_is_busy_not_failed(tmp_path: Path) -> None:
    """A notebook that computes but gets almost no CPU (it lowered its own priority below 12
    busy loops) runs past its backstop: the machine's doing, so it is called busy."""
    limits = Limits(cell_cpu_seconds=60, notebook_cpu_seconds=60, cell_wall_seconds=4,
                    notebook_wall_seconds=6)
    _run(tmp_path, [AFTER])  # the sandbox's server is started before the machine is busy
    with _busy_machine(per_core=6):
        run = _run(tmp_path, ["import os\nos.nice(19)\n" + HANG, AFTER], limits)
    assert run.busy, _verdict(run)
