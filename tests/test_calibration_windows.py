"""Calibration of the windows thresholds: the reference solution, trained with several seeds.

Opt-in (minutes): ``python -m pytest tests/test_calibration_windows.py --calibrate -s``.
For each seed of CALIBRATION_SEEDS the solution notebook runs sandboxed with `SEED = seed`
(which changes both the notebook's noisy sine and the starting weights), and the grader's own
measures are taken on what it exported: the test MSE of `sine_model` on the grader's hidden
noisy sine, and the accuracy of `char_model` on the sentence. The thresholds in
course_config.py must hold for the worst seed with a margin.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

import course_config
from autograder.boundary import Artefacts
from autograder.build import solution_notebook
from autograder.checks import lib
from autograder.checks.probes import variable
from autograder.checks.windows import cases
from autograder.checks.windows.cases import measure_char_accuracy, measure_sine_mse
from autograder.grading import limits_for
from autograder.notebook_io import write_notebook
from autograder.sandbox.runner import run_notebook

ROOT = Path(course_config.ROOT)
SETTINGS = course_config.ASSIGNMENTS["windows"]
SINE_MSE_MARGIN = 0.02
"""The worst reference seed must stay this far below the MSE bound (the window mean's MSE on
the grader's series plus the allowed excess)."""
CHAR_ACCURACY_MARGIN = 0.04
"""The worst reference seed must stay this far above the accuracy bound (about 2 of 46)."""
PROBES = [variable("step", "STEP"), variable("sine_model", "sine_model"),
          variable("char_model", "char_model")]


def _run_reference(seed: int, workdir: Path) -> tuple[float, float]:
    notebook = solution_notebook(ROOT / "source" / "windows" / SETTINGS.notebook)
    setup = next(cell for cell in notebook.cells if cell.get("id") == "setup")
    assert setup.source.count("SEED = 42") == 1
    setup.source = setup.source.replace("SEED = 42", f"SEED = {seed}")
    path = workdir / f"seed{seed}" / SETTINGS.notebook
    write_notebook(notebook, path)
    run = run_notebook(notebook, path, PROBES, workdir / f"run{seed}", limits_for("windows"))
    assert run.failure is None, run.failure
    art = Artefacts(run.artefacts_dir)
    step = lib.value(art, "step")
    mse = measure_sine_mse(lib.model(art, "sine_model", "sine_model"), step)
    accuracy = measure_char_accuracy(lib.model(art, "char_model", "char_model"))
    return mse, accuracy


@pytest.mark.calibration
def test_thresholds_hold_for_every_reference_seed() -> None:
    # Like the grader's own folder: the sandbox user may enter it (not list it) when isolated.
    with tempfile.TemporaryDirectory(prefix="rnnkit-calibration-") as tmp:
        Path(tmp).chmod(0o711)
        results = {seed: _run_reference(seed, Path(tmp))
                   for seed in course_config.CALIBRATION_SEEDS}
    baselines = cases.baseline_mses(4)
    print(f"\ngrader's noisy sine (seed {cases.GRADER_SINE_SEED}), STEP 4: last value "
          f"{baselines['last value']:.4f}, window mean {baselines['window mean']:.4f}, "
          f"noise floor {cases.NOISE_FLOOR:.4f}")
    for seed, (mse, accuracy) in results.items():
        print(f"seed {seed}: sine test MSE {mse:.4f}, char accuracy {accuracy:.4f}")
    worst_mse = max(mse for mse, _ in results.values())
    worst_accuracy = min(accuracy for _, accuracy in results.values())
    thresholds = SETTINGS.thresholds
    bound = baselines["window mean"] + thresholds["sine_mse_over_window_mean"]
    print(f"bound {bound:.4f}; worst seed {worst_mse:.4f} "
          f"({worst_mse - baselines['window mean']:+.4f} over the window mean)")
    assert worst_mse + SINE_MSE_MARGIN <= bound, worst_mse
    assert worst_accuracy - CHAR_ACCURACY_MARGIN >= thresholds["char_accuracy"], worst_accuracy
    # The bound must still separate the model from the last-value baseline, clearly.
    assert bound < baselines["last value"] - 0.1
