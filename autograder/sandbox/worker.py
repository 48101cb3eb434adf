"""Entry point of the sandbox process: run a notebook's cells, then export the declared probes.

Started by `autograder.sandbox.runner` in a fresh directory that holds only the submission. It
isolates itself (see `isolation`), applies the resource limits, runs every code cell in a Jupyter
kernel (a failing cell does not stop the next ones, as in a student's own run), then asks the
kernel to export the probe results. A cell that kills the kernel is skipped and the notebook is
run again without it, so it costs only the checks that depend on it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError

from autograder.sandbox import isolation
from autograder.sandbox.limits import Limits

EXPORT_TEMPLATE = """\
_grader_ns = {{}}
exec(compile({source!r}, "<grader-export>", "exec"), _grader_ns)
_grader_ns["export"]({probes!r}, {outdir!r}, globals())
del _grader_ns
"""
MAX_RESTARTS = 3


class CappedClient(NotebookClient):
    """A notebook client that stops keeping a cell's output past a size cap."""

    max_output_chars = 1_000_000

    def output(self, outs, msg, display_id, cell_index):  # noqa: ANN001 (nbclient's signature)
        size = sum(len(json.dumps(o, default=str)) for o in outs)
        if size > self.max_output_chars:
            if not outs or outs[-1].get("text") != "[output truncated by the grader]\n":
                outs.append(nbformat.v4.new_output("stream", name="stdout",
                                                   text="[output truncated by the grader]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)


def _error_of(cell: nbformat.NotebookNode) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename')}: {str(output.get('evalue'))[:300]}"
    return None


def _run_once(job: dict, cells: list, skip: set[int], export_cell: nbformat.NotebookNode,
              current: dict) -> list[dict]:
    """Run the cells (but `skip`) and the export in one kernel; return the cells' errors.

    `current["index"]` tells, if the kernel dies, which cell was running.
    """
    notebook = nbformat.v4.new_notebook(cells=[*cells, export_cell])
    control = Path(job["status"]).parent
    # The async manager: with a blocking one, nbclient cannot notice a dead kernel.
    km = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(control / "kernel"))
    client = CappedClient(
        notebook, km=km,
        timeout=job["limits"]["cell_seconds"], interrupt_on_timeout=True, allow_errors=True,
        resources={"metadata": {"path": job["workdir"]}},
    )
    errors: list[dict] = []
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code" or index in skip:
                continue
            current["index"] = index
            client.execute_cell(cell, index)
            error = _error_of(cell)
            if error and index < len(cells):
                grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                errors.append({"cell": index, "grade_id": grade_id, "error": error})
    return errors


def run(job: dict) -> dict:
    """Run the notebook described by `job` and return the status report."""
    status: dict = {"cell_errors": [], "exported": False, "failure": None, "isolated": False,
                    "skipped_cells": []}
    if isolation.available():
        try:
            needed = [sys.prefix, sys.base_prefix, os.path.realpath(sys.executable),
                      *sys.path[1:]]
            staging = Path(job["status"]).parent.parent / f"{Path(job['workdir']).name}.stage"
            staging.mkdir(mode=0o700)
            isolation.isolate(job["hide"], [p for p in needed if p and os.path.exists(p)],
                              staging)
            status["isolated"] = True
        except OSError as exc:
            status["isolation_error"] = str(exc)
    Limits(**job["limits"]).apply()
    cells = list(nbformat.read(job["notebook"], as_version=4).cells)
    export_cell = nbformat.v4.new_code_cell(EXPORT_TEMPLATE.format(
        source=Path(job["exporter"]).read_text(encoding="utf-8"),
        probes=job["probes"], outdir=job["outdir"]))
    skip: set[int] = set()
    for _ in range(MAX_RESTARTS + 1):
        current = {"index": None}
        try:
            errors = _run_once(job, cells, skip, export_cell, current)
        except DeadKernelError:
            killer = current["index"]
            if killer is None or killer >= len(cells):
                status["failure"] = "the notebook's kernel died while exporting results"
                return status
            skip.add(killer)
            status["skipped_cells"].append(killer)
            continue
        except CellExecutionError as exc:
            status["failure"] = f"a cell could not run: {str(exc).strip()[-300:]}"
            return status
        status["cell_errors"] = errors
        export_error = _error_of(export_cell)
        if export_error:
            status["failure"] = f"exporting results failed ({export_error[:200]})"
        else:
            status["exported"] = True
        return status
    status["failure"] = "the notebook's kernel died too many times"
    return status


def main() -> None:
    job = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    status = run(job)
    Path(job["status"]).write_text(json.dumps(status), encoding="utf-8")


if __name__ == "__main__":
    os.umask(0o077)
    main()
