"""Reading notebooks: the kit's only user of nbformat. Bad files become clear errors.

A student's notebook is parsed only in a bounded child process (`autograder.intake`), with
this module's `read_notebook`: schema-validated, its nbgrader metadata checked field by field,
then cleaned (`clean`) to what running it needs, so that the grader's own process only ever
reads a small file of known shape.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nbformat

MAX_NOTEBOOK_BYTES = 512 * 2**20
"""A larger file is refused unparsed. Below it, outputs are stripped before the notebook runs."""
MAX_CELLS = 5000
MAX_CONTAINERS = 1_000_000
"""JSON objects and lists in the file: a notebook of a hundred cells has a few thousand; each
costs nbformat's validation time and memory, so millions in a few megabytes are refused."""
MAX_SOURCE_CHARS = 8 * 2**20
"""The cells' text together (code and markdown); outputs do not count, they are dropped."""

NBGRADER_FIELDS: dict[str, type | tuple[type, ...]] = {
    "grade_id": str, "grade": bool, "solution": bool, "locked": bool, "task": bool,
    "points": (int, float), "schema_version": int, "cell_type": str, "checksum": str,
}
"""The fields of nbgrader's cell metadata and their types (nbgrader's metadata schema v3)."""


class NotebookError(Exception):
    """The file cannot be graded as a notebook; the message says why, for the student."""


def _check_nbgrader_metadata(notebook: nbformat.NotebookNode) -> None:
    for index, cell in enumerate(notebook.cells):
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta is None:
            continue
        if not isinstance(meta, dict):
            raise NotebookError(f"cell {index}'s nbgrader metadata is not a mapping: "
                                "copy the cell's code into the released notebook")
        for key, kind in NBGRADER_FIELDS.items():
            value = meta.get(key)
            if key in meta and (not isinstance(value, kind)
                                or (kind is not bool and isinstance(value, bool))):
                raise NotebookError(f"cell {index}'s nbgrader metadata is malformed ({key!r} "
                                    "has the wrong type): copy the cell's code into the "
                                    "released notebook")


def _containers(data: object, limit: int) -> int:
    """How many dicts and lists `data` holds (counting stops past `limit`)."""
    count, stack = 0, [data]
    while stack and count <= limit:
        item = stack.pop()
        if isinstance(item, dict):
            count += 1
            stack.extend(item.values())
        elif isinstance(item, list):
            count += 1
            stack.extend(item)
    return count


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read and validate a notebook, upgrading old formats; raise NotebookError if it is unusable.

    Unbounded in memory and time for hostile files: call it in a bounded process
    (`autograder.intake.read_submitted`) for anything a student handed in.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise NotebookError(f"the file cannot be read ({exc.strerror})") from None
    if size > MAX_NOTEBOOK_BYTES:
        raise NotebookError(
            f"the notebook is {size / 2**20:.0f} MB, over the {MAX_NOTEBOOK_BYTES // 2**20} MB "
            "limit: clear its outputs (Kernel > Restart & Clear Output) and submit again"
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotebookError(f"the file is not UTF-8 text (bad byte at position {exc.start})") from None
    del raw
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"the file is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise NotebookError("the file's JSON is nested too deeply to be a notebook") from None
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        raise NotebookError("the file is JSON but not a Jupyter notebook")
    if _containers(data, MAX_CONTAINERS) > MAX_CONTAINERS:
        raise NotebookError(f"the file holds more than {MAX_CONTAINERS:,} JSON objects and "
                            "lists: clear its outputs and metadata, and submit again")
    del data
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except RecursionError:
        raise NotebookError("the notebook's metadata is nested too deeply") from None
    except Exception as exc:  # nbformat raises several kinds for malformed notebooks
        raise NotebookError(f"the notebook is malformed ({type(exc).__name__})") from None
    if len(notebook.cells) > MAX_CELLS:
        raise NotebookError(f"the notebook has {len(notebook.cells)} cells, over the "
                            f"{MAX_CELLS} limit")
    if sum(len(cell.source) for cell in notebook.cells) > MAX_SOURCE_CHARS:
        raise NotebookError(f"the notebook's cells hold more than {MAX_SOURCE_CHARS // 2**20} "
                            "MB of text")
    _check_nbgrader_metadata(notebook)
    if not any(cell.cell_type == "code" and cell.source.strip() for cell in notebook.cells):
        raise NotebookError("the notebook has no code")
    return notebook


def clean(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """What running and grading a notebook needs of it: every cell's type and source, code
    cells without outputs, and only nbgrader's cell metadata (already validated)."""
    cells = []
    for cell in notebook.cells:
        meta = {"nbgrader": cell.metadata["nbgrader"]} if "nbgrader" in cell.get("metadata", {}) \
            else {}
        if cell.cell_type == "code":
            cells.append(nbformat.v4.new_code_cell(cell.source, metadata=meta))
        elif cell.cell_type == "markdown":
            cells.append(nbformat.v4.new_markdown_cell(cell.source, metadata=meta))
        else:
            cells.append(nbformat.v4.new_raw_cell(cell.source, metadata=meta))
    return nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def write_notebook(notebook: nbformat.NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))


def digest(path: Path) -> str:
    """Content hash of a file, to tell whether a submission changed since it was graded."""
    sha = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def grade_id(cell: nbformat.NotebookNode) -> str | None:
    """The cell's nbgrader grade id, or None (also for metadata of the wrong shape)."""
    meta = cell.get("metadata", {})
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    value = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
    return value if isinstance(value, str) else None
