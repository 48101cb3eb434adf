"""The canary's one check: the sandbox ran a notebook with the course's packages, exported
its values and the trusted side read them back."""

from __future__ import annotations

import numpy as np

from autograder.boundary import Artefacts
from autograder.checks import lib
from autograder.checks.lib import check, expect


@check(1, "The grader's test notebook should run and export its values.")
def test_canary_exports_what_it_computed(art: Artefacts) -> None:
    doubled = lib.array(art, "doubled", "double")
    expect(np.array_equal(doubled, np.array([2.0, 4.0, 6.0], dtype=np.float32)),
           "double([1, 2, 3]) did not come back as [2, 4, 6]")
    expect(lib.value(art, "keras_backend") == "tensorflow",
           "Keras did not run on the TensorFlow backend in the sandbox")
