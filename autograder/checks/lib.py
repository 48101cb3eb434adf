"""The check library: declaring graded checks, and assertions on arrays and Keras models.

Assertion messages are shown to students: they say what was expected and what the code gave,
and never the hidden inputs themselves. Nor do they quote what the student's code gave for them
(a returned string, an exception's message): that code sees the hidden inputs and could echo
them. They describe it instead (a type, a count, a shape, a position), with `describe`.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import course_config
from autograder.boundary import (
    DEFAULT_MODEL_CAPS,
    Artefacts,
    ExportedModel,
    StudentCodeError,
    a_class,
)
from course_config import ModelCaps

RECURRENT_LAYERS = ("SimpleRNN", "LSTM", "GRU")


def check(points: float, failure: str) -> Callable:
    """Declare a graded check: `points` it is worth, `failure` the headline a student reads."""
    return pytest.mark.check(points=points, failure=failure)


class CheckFailed(AssertionError):
    """A check's condition does not hold; the message is meant for the student."""


MEASURED: dict[str, float] = {}
"""What the running check measured (`measure`); the scoring plugin records and clears it."""


def measure(name: str, value: float) -> float:
    """Record a figure the check measured on the grader's own data (an accuracy, an MSE), to
    be reported with the check's result whether it passes or not; return `value`."""
    MEASURED[name] = round(float(value), 6)
    return value


def parts(art: Any, name: str, count: int, what: str) -> list:
    """The `count` values a student's function returned as a tuple (each part's data kept)."""
    got = value(art, name)
    expect(isinstance(got, (tuple, list)) and len(got) == count,
           f"expected {what} to return a tuple of {count} values; it returned {describe(got)}")
    return list(got)


def numbers(part: Any, what: str) -> np.ndarray:
    """A returned part as a float array (lists accepted here: a type has its own check)."""
    try:
        return np.asarray(part, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailed(f"{what} is not a rectangular array of numbers") from None


def support_module(assignment: str, filename: str) -> ModuleType:
    """A support file of source/<assignment>/ (a data loader the students get), as a module."""
    return _support_module(assignment, filename)


@functools.cache
def _support_module(assignment: str, filename: str) -> ModuleType:
    path = Path(course_config.ROOT) / "source" / assignment / filename
    spec = importlib.util.spec_from_file_location(f"{assignment}_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def expect(condition: bool, message: str) -> None:
    """Fail the check with `message` unless `condition` holds."""
    if not condition:
        raise CheckFailed(message)


def describe(got: Any) -> str:
    """A value the student's code gave, as a message may say it: None, booleans and small
    numbers as they are, anything else by its type and size, never its content."""
    if got is None or isinstance(got, bool):
        return repr(got)
    if isinstance(got, int) and abs(got) < 10_000:
        return repr(got)
    if isinstance(got, float) and np.isfinite(got) and abs(got) < 10_000:
        return f"{got:.3g}"
    if isinstance(got, str):
        return f"a string of {len(got)} character{'s' * (len(got) != 1)}"
    if isinstance(got, (list, tuple, dict)):
        return f"a {type(got).__name__} of {len(got)} item{'s' * (len(got) != 1)}"
    if isinstance(got, np.ndarray):
        return f"an array of shape {got.shape}"
    if isinstance(got, ExportedModel):
        return "a Keras model"
    return a_class(type(got).__name__)  # an int or float too large to say


def ordinal(index: int) -> str:
    """'1st', '2nd', '3rd', '4th'... for the 0-based `index`: where a message points."""
    n = index + 1
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def value(art: Artefacts, name: str) -> Any:
    """The plain value a probe exported (raises StudentCodeError when the code failed)."""
    return art.get(name).value


def positive_int(art: Artefacts, name: str, variable: str) -> int:
    """The notebook's `variable` (exported as `name`), which must be a positive int."""
    got = value(art, name)
    expect(isinstance(got, int) and not isinstance(got, bool) and got > 0,
           f"{variable} should be a positive int; it is {describe(got)}")
    return got


def array(art: Artefacts, name: str, what: str) -> np.ndarray:
    """The numpy array a probe returned; lists, tuples and tensors are refused with a message."""
    exported = art.get(name)
    expect(isinstance(exported.value, np.ndarray) and exported.pytype == "numpy.ndarray",
           f"{what} should return a numpy array; it returned "
           f"{a_class(exported.pytype.rsplit('.', 1)[-1])}")
    return exported.value


def expect_shape(got: np.ndarray, shape: tuple, what: str) -> None:
    expect(tuple(got.shape) == tuple(shape),
           f"{what} should have shape {tuple(shape)}; it has shape {tuple(got.shape)}")


def expect_equal_arrays(got: np.ndarray, want: np.ndarray, what: str) -> None:
    expect_shape(got, want.shape, what)
    expect(np.array_equal(got, want), f"{what} has the right shape but the wrong values")


def expect_raises(art: Artefacts, name: str, exception: str, what: str,
                  naming: tuple[str, str] | None = None) -> None:
    """Check that probe `name` raised `exception`; with `naming` = (text, what the text is),
    also that its message contains that text.

    The message is the student's text, so it is tested here and never shown.
    """
    raised = art.raised(name)
    if raised is None:
        art.get(name)  # raises StudentCodeError if the notebook did not run at all
        raise CheckFailed(f"{what} should raise {exception}, but it returned a value")
    kind, message = raised
    expect(kind == exception, f"{what} should raise {exception}; it raised {kind}")
    if naming is not None:
        text, meaning = naming
        expect(text in message, f"the error message should name {meaning}")


def works_on_valid_input(art: Artefacts, name: str, what: str) -> Any:
    """The value probe `name` returned for valid input (`what` says which, for a message).

    A check that a function refuses bad input holds only if the same function answers good
    input: code that raises for everything, or returns what the grader cannot read, refuses
    nothing in particular.
    """
    try:
        return value(art, name)
    except StudentCodeError as exc:
        raise CheckFailed(f"it should also answer valid input, but for {what}: {exc}") from None


# --- Keras models --------------------------------------------------------------------------

def model(art: Artefacts, name: str, what: str, caps: ModelCaps = DEFAULT_MODEL_CAPS) -> Any:
    """Load the Keras model a probe exported, in safe mode, if it stays within `caps`."""
    exported = art.get(name).value
    expect(isinstance(exported, ExportedModel), f"{what} should be a keras.Model")
    return exported.load(caps)


def saved_model(art: Artefacts, filename: str, what: str,
                caps: ModelCaps = DEFAULT_MODEL_CAPS) -> Any:
    """Load the model file the student submitted next to the notebook, in safe mode, if it
    stays within `caps`."""
    return art.saved_file(filename).load(caps)


def layers(model: Any) -> list:
    """The model's layers, without the input layer and with wrappers unwrapped."""
    out = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        out.append(layer)
    return out


def inner(layer: Any) -> Any:
    """The layer a TimeDistributed or Bidirectional wrapper holds (or the layer itself)."""
    name = type(layer).__name__
    if name == "TimeDistributed":
        return layer.layer
    if name == "Bidirectional":
        return layer.forward_layer
    return layer


def layer_kind(layer: Any) -> str:
    return type(inner(layer)).__name__


def recurrent_layers(model: Any) -> list:
    return [layer for layer in layers(model) if layer_kind(layer) in RECURRENT_LAYERS]


def recurrent_params(kind: str, inputs: int, units: int) -> int:
    """Parameters of one recurrent layer by formula (Keras 3 defaults; GRU has reset_after)."""
    if kind == "SimpleRNN":
        return units * (inputs + units + 1)
    if kind == "LSTM":
        return 4 * units * (inputs + units + 1)
    if kind == "GRU":
        return 3 * units * (inputs + units + 2)
    raise ValueError(f"not a recurrent layer: {kind}")


def dense_params(inputs: int, units: int) -> int:
    return (inputs + 1) * units


def output_shape(model: Any) -> tuple:
    return tuple(model.outputs[0].shape)


def input_shape(model: Any) -> tuple | None:
    """The input shape the model declares, or None if it declares none."""
    try:
        return tuple(model.inputs[0].shape)
    except (AttributeError, IndexError, TypeError, ValueError):
        return None


def cannot_read(model: Any, what: str, inputs: str, exc: Exception) -> CheckFailed:
    """The failure of `model` (`what` in the message) that raised on the grader's `inputs`.
    Keras's own words may quote the model's names and the inputs: only the class is said."""
    declared = input_shape(model)
    return CheckFailed(f"{what} cannot read {inputs} ({type(exc).__name__})"
                       + (f"; it declares inputs of shape {declared}" if declared else ""))


def final_activation(model: Any) -> str:
    last = inner(layers(model)[-1])
    activation = getattr(last, "activation", None)
    return getattr(activation, "__name__", str(activation))


def predict(model: Any, x: np.ndarray) -> np.ndarray:
    """Run the model on grader-made inputs; a model that cannot take them fails the check."""
    import keras

    try:  # a direct call: no tf.function retracing warnings, and faster on tiny inputs
        return np.asarray(keras.ops.convert_to_numpy(model(x, training=False)))
    except Exception as exc:  # wrong input size, wrong rank...
        raise cannot_read(model, "the model", f"inputs of shape {tuple(x.shape)}", exc) from None


_NO_PARAMS = ("Dropout", "RepeatVector", "Activation", "Masking", "SpatialDropout1D",
              "GaussianNoise", "Reshape")


def sequential_params(model: Any, inputs: int) -> int:
    """Parameters a stack of layers should have, by formula, for `inputs` features per step.

    Each layer's size comes from its own configuration (units, output_dim); the count is
    recomputed from those sizes, so a layer that is not what it claims to be does not match.
    """
    return stack_params(layers(model), inputs)


def stack_params(stack: list, inputs: int) -> int:
    """`sequential_params` of a list of layers, read in order."""
    total, features = 0, inputs
    for layer in stack:
        kind, core = layer_kind(layer), inner(layer)
        copies = 2 if type(layer).__name__ == "Bidirectional" else 1
        if kind in RECURRENT_LAYERS:
            total += copies * recurrent_params(kind, features, core.units)
            features = copies * core.units
        elif kind == "Dense":
            total += dense_params(features, core.units)
            features = core.units
        elif kind == "Embedding":
            total += core.input_dim * core.output_dim
            features = core.output_dim
        elif kind not in _NO_PARAMS:
            raise CheckFailed(f"the model has a {kind} layer, which this assignment does not use")
    return total
