"""Sample submissions: the solution, the blank release, and variants written from the solution.

Variants live in ``samples/<assignment>.py`` as edits of the solution notebook's cells (by
nbgrader grade_id), so they follow the source when it changes; an edit that no longer applies is
an error, not a silently correct sample. Each variant says which checks it must lose.
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from collections.abc import Callable
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
    says: dict[str, str] = field(default_factory=dict)
    """For each check the mistake breaks directly: a phrase its message must hold, naming what
    this mistake changed (so a message written for another mistake does not pass)."""
    why: str = ""
    files: dict[str, str | None] | None = None
    """Saved files handed in with the notebook: file name -> the sample whose notebook trained
    it, or None for a file not handed in. Default: the solution's (the module's FILES)."""


class VariantError(Exception):
    """A variant's edit no longer matches the solution notebook, or its saved files are missing."""


MODELS = ROOT / "samples" / "models"
"""Saved files of the samples: models/<assignment>/<sample that trained it>/<file name>."""


def _module(assignment: str) -> ModuleType | None:
    path = ROOT / "samples" / f"{assignment}.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(f"samples_{assignment}", path)
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def variants(assignment: str) -> list[Variant]:
    """The variants declared in samples/<assignment>.py (none if the file does not exist)."""
    module = _module(assignment)
    return [] if module is None else list(module.VARIANTS)


def handed_in_files(assignment: str) -> dict[str, dict[str, str | None]]:
    """For each sample student: saved file name -> the sample whose notebook trained it."""
    module = _module(assignment)  # read once: it defines both FILES and VARIANTS
    default = dict(getattr(module, "FILES", {}))
    files = {"solution": default, "blank-release": {}}
    for variant in getattr(module, "VARIANTS", []):
        files[variant.student] = default if variant.files is None else dict(variant.files)
    return files


def saved_file(assignment: str, producer: str, name: str) -> Path:
    return MODELS / assignment / producer / name


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


def first_look(assignment: str) -> set[str]:
    """The samples a newcomer sees first: the solution and the first mistake declared."""
    mistakes = [v.student for v in variants(assignment) if v.loses]
    return {"solution", *mistakes[:1]}


def write_samples(assignments: list[str], out: Path,
                  only: Callable[[str], set[str]] | None = None) -> list[Path]:
    """Write the samples of `assignments` as out/<student>/<assignment>/<notebook>: every one,
    or those `only(assignment)` names."""
    written = []
    for assignment in assignments:
        chosen = None if only is None else only(assignment)
        name = course_config.ASSIGNMENTS[assignment].notebook
        source = ROOT / "source" / assignment / name
        solution = solution_notebook(source)
        notebooks = {
            "solution": solution,
            "blank-release": nbformat.read(str(ROOT / "release" / assignment / name), as_version=4),
        }
        for variant in variants(assignment):
            notebooks[variant.student] = apply(variant, solution)
        files = handed_in_files(assignment)
        for student, notebook in notebooks.items():
            if chosen is not None and student not in chosen:
                continue
            path = Path(out) / student / assignment / name
            write_notebook(notebook, path)
            for filename, producer in files[student].items():
                if producer is not None:
                    shutil.copyfile(_trained(assignment, producer, filename),
                                    path.parent / filename)
            written.append(path)
    return written


def _trained(assignment: str, producer: str, filename: str) -> Path:
    path = saved_file(assignment, producer, filename)
    if not path.is_file():
        raise VariantError(f"{path.relative_to(ROOT)} does not exist: train it with "
                           f"`python -m autograder samples {assignment} --train-models`")
    return path


def sample_notebook(assignment: str, sample: str) -> nbformat.NotebookNode:
    """The notebook of `sample`: "solution", or a variant's student name (its edits applied)."""
    settings = course_config.ASSIGNMENTS[assignment]
    notebook = solution_notebook(ROOT / "source" / assignment / settings.notebook)
    if sample == "solution":
        return notebook
    matches = [v for v in variants(assignment) if v.student == sample]
    if not matches:
        raise VariantError(f"{assignment} has no sample named {sample!r}")
    return apply(matches[0], notebook)


def seeded_notebook(assignment: str, sample: str, seed: int) -> nbformat.NotebookNode:
    """The notebook of `sample` with `SEED = seed` in its setup cell: the run the calibration
    tests repeat over several seeds."""
    notebook = sample_notebook(assignment, sample)
    setup = next((cell for cell in notebook.cells if grade_id(cell) == "setup"), None)
    default = f"SEED = {course_config.SEED}"
    if setup is None or setup.source.count(default) != 1:
        raise VariantError(f"{assignment}: the setup cell should set {default} once")
    setup.source = setup.source.replace(default, f"SEED = {seed}")
    return notebook


def train(notebook: nbformat.NotebookNode, assignment: str, folder: Path) -> dict[str, Path]:
    """Run `notebook` in full in `folder` (no saved files there, so it trains, for minutes) and
    return the files it saved. Trusted notebooks only: this is not the sandbox."""
    from nbclient import NotebookClient

    settings = course_config.ASSIGNMENTS[assignment]
    for support in settings.support_files:
        shutil.copyfile(ROOT / "release" / assignment / support, folder / support)
    client = NotebookClient(nbformat.from_dict(notebook), timeout=3600, kernel_name="python3",
                            allow_errors=True,  # a mistake fails its public asserts
                            resources={"metadata": {"path": str(folder)}})
    client.execute()
    made = {name: folder / name for name in settings.saved_files}
    missing = [name for name, path in made.items() if not path.is_file()]
    if missing:
        raise VariantError(f"the notebook saved no {', '.join(missing)}")
    return made


def _keep_weights_only(model_file: Path, target: Path) -> None:
    """Save the model without its optimizer's state: a third of the size, the same answers."""
    import keras

    if model_file.suffix != ".keras":
        shutil.copyfile(model_file, target)
        return
    keras.saving.load_model(model_file, compile=False).save(target)


def train_sample_models(assignment: str, force: bool = False,
                        progress: Callable[[str], None] = print) -> list[Path]:
    """Run the notebook of every sample whose saved files other samples hand in, without those
    files (so it trains), and keep what it saves under samples/models/. Minutes per model."""
    settings = course_config.ASSIGNMENTS[assignment]
    producers = sorted({p for files in handed_in_files(assignment).values()
                        for p in files.values() if p is not None})
    kept = []
    for producer in producers:
        targets = [saved_file(assignment, producer, name) for name in settings.saved_files]
        if not force and all(path.is_file() for path in targets):
            continue
        notebook = sample_notebook(assignment, producer)  # VariantError if there is none
        progress(f"training {assignment}/{producer} (its notebook runs in full)...")
        with tempfile.TemporaryDirectory(prefix="rnnkit-train-") as tmp:
            made = train(notebook, assignment, Path(tmp))
            for name, target in zip(settings.saved_files, targets):
                target.parent.mkdir(parents=True, exist_ok=True)
                _keep_weights_only(made[name], target)
                kept.append(target)
    return kept
