"""The canary: a tiny known-good notebook that must pass before any grade is kept.

It imports what every assignment needs (numpy, Keras on TensorFlow), so a sandbox that cannot
run the course (the kit not importable, a package missing, isolation broken) fails here, once,
with the reason, instead of giving every student a 0.
"""

from __future__ import annotations

import nbformat

from autograder.sandbox.limits import Limits

NOTEBOOK = "canary.ipynb"

SOURCE = '''\
import numpy as np
import keras

def double(values):
    """Twice each value, through a Keras op."""
    return keras.ops.convert_to_numpy(keras.ops.multiply(np.asarray(values, "float32"), 2.0))

keras_backend = keras.backend.backend()
'''

PROBES: list[dict] = [
    {"name": "doubled", "call": "double", "args": [[1, 2, 3]]},
    {"name": "keras_backend", "global": "keras_backend"},
]

LIMITS = Limits(cell_cpu_seconds=60, notebook_cpu_seconds=90, cell_wall_seconds=150,
                notebook_wall_seconds=240)
"""Generous: the canary must not fail because the machine is busy."""


def notebook() -> nbformat.NotebookNode:
    """The canary notebook."""
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SOURCE)])
