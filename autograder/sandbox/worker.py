"""Entry point of the sandbox process: run a notebook's cells, then export the declared probes.

Started by `autograder.sandbox.runner` in a fresh directory that holds only the submission. It
applies the resource limits, runs every code cell in a Jupyter kernel (a failing cell does not stop
the next ones, as in a student's own run), then asks the kernel to export the probe results.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError

from autograder.sandbox.limits import Limits

EXPORT_TEMPLATE = """\
_grader_ns = {{}}
exec(compile({source!r}, "<grader-export>", "exec"), _grader_ns)
_grader_ns["export"]({probes!r}, {outdir!r}, globals())
del _grader_ns
"""


def _first_line(text: str) -> str:
    return text.strip().splitlines()[-1][:300] if text.strip() else ""


def run(job: dict) -> dict:
    """Run the notebook described by `job` and return the status report."""
    import nbformat

    Limits(**job["limits"]).apply()
    notebook = nbformat.read(job["notebook"], as_version=4)
    client = NotebookClient(
        notebook,
        timeout=job["limits"]["cell_seconds"],
        interrupt_on_timeout=True,
        allow_errors=True,
        kernel_name="python3",
        resources={"metadata": {"path": job["workdir"]}},
    )
    cell_errors: list[dict] = []
    status: dict = {"cell_errors": cell_errors, "exported": False, "failure": None}
    export_cell = nbformat.v4.new_code_cell(
        EXPORT_TEMPLATE.format(
            source=Path(job["exporter"]).read_text(encoding="utf-8"),
            probes=job["probes"],
            outdir=job["outdir"],
        )
    )
    student_cells = list(notebook.cells)
    notebook.cells.append(export_cell)  # nbclient addresses cells by their index
    try:
        with client.setup_kernel():
            for index, cell in enumerate(student_cells):
                if cell.cell_type != "code":
                    continue
                client.execute_cell(cell, index)
                for output in cell.get("outputs", []):
                    if output.get("output_type") == "error":
                        cell_errors.append({
                            "cell": index,
                            "grade_id": cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"),
                            "error": f"{output.get('ename')}: {str(output.get('evalue'))[:300]}",
                        })
            client.execute_cell(export_cell, len(student_cells))
            errors = [o for o in export_cell.outputs if o.get("output_type") == "error"]
            if errors:
                status["failure"] = (
                    f"exporting results failed ({errors[0].get('ename')}: "
                    f"{str(errors[0].get('evalue'))[:200]})"
                )
            else:
                status["exported"] = True
    except DeadKernelError:
        status["failure"] = "the notebook's kernel died (it exited, crashed or ran out of memory)"
    except CellExecutionError as exc:
        status["failure"] = f"a cell could not run: {_first_line(str(exc))}"
    return status


def main() -> None:
    job_path = Path(sys.argv[1])
    job = json.loads(job_path.read_text(encoding="utf-8"))
    status = run(job)
    Path(job["status"]).write_text(json.dumps(status), encoding="utf-8")


if __name__ == "__main__":
    main()
