"""Sample submissions: the solution, the blank release, and variants written from the solution.

Variants live in ``samples/<assignment>.py`` as edits of the solution notebook's cells (by
nbgrader grade_id), so they follow the source when it changes; an edit that no longer applies is
an error, not a silently correct sample. Each variant says which checks it must lose.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import nbformat

import course_config
from autograder.build import solution_notebook
from autograder.notebook_io import grade_id, write_notebook

ROOT = Path(course_config.ROOT)
WHOLE_CELL = "*"


@dataclass(frozen=True)
class Variant:
    """A submission made by editing the solution: a realistic mistake or another correct answer."""

    student: str
    """Folder name of the sample student, e.g. 'mistake-unsorted-vocabulary'."""
    edits: dict[str, tuple[str, str]]
    """grade_id -> (old text, new text); old text WHOLE_CELL replaces the cell's code."""
    loses: frozenset[str] = field(default_factory=frozenset)
    """The checks this variant must fail (empty for a correct alternative)."""
    why: str = ""


class VariantError(Exception):
    """A variant's edit no longer matches the solution notebook."""


def variants(assignment: str) -> list[Variant]:
    """The variants declared in samples/<assignment>.py (none if the file does not exist)."""
    path = ROOT / "samples" / f"{assignment}.py"
    if not path.is_file():
        return []
    spec = importlib.util.spec_from_file_location(f"samples_{assignment}", path)
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.VARIANTS)


def apply(variant: Variant, notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """`notebook` with `variant`'s edits applied (each must match exactly once)."""
    notebook = nbformat.from_dict(notebook)
    cells = {grade_id(cell): cell for cell in notebook.cells if grade_id(cell)}
    for cell_id, (old, new) in variant.edits.items():
        if cell_id not in cells:
            raise VariantError(f"{variant.student}: no cell with grade_id {cell_id!r}")
        cell = cells[cell_id]
        if old == WHOLE_CELL:
            cell.source = new
        elif cell.source.count(old) != 1:
            raise VariantError(f"{variant.student}: {old!r} is not found exactly once in "
                               f"cell {cell_id!r}")
        else:
            cell.source = cell.source.replace(old, new)
    return notebook


def write_samples(assignments: list[str], out: Path) -> list[Path]:
    """Write every sample of `assignments` as out/<student>/<assignment>/<notebook>."""
    written = []
    for assignment in assignments:
        name = course_config.ASSIGNMENTS[assignment].notebook
        source = ROOT / "source" / assignment / name
        solution = solution_notebook(source)
        notebooks = {
            "solution": solution,
            "blank-release": nbformat.read(str(ROOT / "release" / assignment / name), as_version=4),
        }
        for variant in variants(assignment):
            notebooks[variant.student] = apply(variant, solution)
        for student, notebook in notebooks.items():
            path = Path(out) / student / assignment / name
            write_notebook(notebook, path)
            written.append(path)
    return written
