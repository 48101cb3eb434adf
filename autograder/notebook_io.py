"""Reading notebooks: the kit's only user of nbformat. Bad files become clear errors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nbformat

MAX_NOTEBOOK_BYTES = 512 * 2**20
"""A larger file is refused unparsed. Below it, outputs are stripped before the notebook runs."""


class NotebookError(Exception):
    """The file cannot be graded as a notebook; the message says why, for the student."""


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read and validate a notebook, upgrading old formats; raise NotebookError if it is unusable."""
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
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"the file is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        raise NotebookError("the file is JSON but not a Jupyter notebook")
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as exc:  # nbformat raises several kinds for malformed notebooks
        raise NotebookError(f"the notebook is malformed ({type(exc).__name__})") from None
    if not any(cell.cell_type == "code" and cell.source.strip() for cell in notebook.cells):
        raise NotebookError("the notebook has no code")
    return notebook


def write_notebook(notebook: nbformat.NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))


def digest(path: Path) -> str:
    """Content hash of a file, to tell whether a submission changed since it was graded."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def grade_id(cell: nbformat.NotebookNode) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
