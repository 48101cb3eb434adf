"""The check library: declaring graded checks, and assertions on arrays and Keras models.

Assertion messages are shown to students: they say what was expected and what the code gave,
and never the hidden inputs themselves. Nor do they quote what the student's code gave for them
(a returned string, an exception's message): that code sees the hidden inputs and could echo
them. They describe it instead (a type, a count, a shape, a position), with `describe`.

Even a description can carry a hidden input: code can encode its argument into the shape of an
empty array, a length, a count or a dtype. So every size, shape, count and dtype of what the
code returned is said through `describe`, `shape_text`, `count_text` or `dtype_text`, which
quote it only within a few plausible values for the check (what it expects, one off, an axis
swapped, missing or added) and otherwise say only how it differs: a message then takes a few
forms whatever the hidden input, a few bits at most.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
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


def check(points: float, failure: str, *, differently: str | None = None,
          cheapest_wrong: str | None = None) -> Callable:
    """Declare a graded check: `points` it is worth, `failure` the headline a student reads.

    Beside each check, the two questions every check must answer, for the instructors who
    maintain it (never shown to students): `differently`, which correct code written
    differently could fail it and what the check does about it; `cheapest_wrong`, the cheapest
    wrong code that could pass it and what stops it (or which other check charges it).
    """
    return pytest.mark.check(points=points, failure=failure, differently=differently,
                             cheapest_wrong=cheapest_wrong)


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


SMALL = 8
"""Sizes and whole numbers up to this are said as they are, whatever a check expects."""
_TINY = 4
"""With no shape expected, arrays of at most 2 axes of at most this are said by their shape."""

_DTYPES = frozenset({"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                     "uint64", "float16", "float32", "float64", "float128", "longdouble"})


def _near(expected: tuple) -> set[int]:
    """The whole numbers a message may quote when a check expects one of `expected`: the small
    ones, each expected value, one off, doubled and halved (the usual mistakes)."""
    out = set(range(SMALL + 1))
    for e in expected:
        if isinstance(e, (int, np.integer)) and not isinstance(e, bool):
            e = int(e)
            out |= {e - 1, e, e + 1, 2 * e, e // 2}
    return out


def count_text(got: int, *expected: int) -> str:
    """A size or count the student's code gave (a length, a number of items or of values), as a
    message may say it: itself when it is one of the few plausible ones for `expected`, else
    only on which side of the expected values it lies ("more than 1,000")."""
    got = int(got)
    if got in _near(expected):
        return f"{got:,}"
    known = [int(e) for e in expected] or [SMALL]
    if got > max(known):
        return f"more than {max(known):,}"
    if got < min(known):
        return f"fewer than {min(known):,}" if got >= 0 else "a negative number"
    return f"a number between {min(known):,} and {max(known):,}"


def _mistaken_shapes(expected: tuple) -> set[tuple]:
    """`expected` and the shapes of the usual mistakes: axes swapped, an axis missing or one of
    length 1 added, one axis one off, doubled or halved, axes merged."""
    expected = tuple(int(n) for n in expected)
    out = {expected}
    if len(expected) <= 3:
        out |= set(itertools.permutations(expected))
    for i in range(len(expected)):
        out.add(expected[:i] + expected[i + 1:])
        for n in (expected[i] - 1, expected[i] + 1, 2 * expected[i], expected[i] // 2):
            out.add(expected[:i] + (n,) + expected[i + 1:])
        if i + 1 < len(expected):
            out.add(expected[:i] + (expected[i] * expected[i + 1],) + expected[i + 2:])
    for i in range(len(expected) + 1):
        out.add(expected[:i] + (1,) + expected[i:])
    out.add((int(np.prod(expected)),) if expected else ())
    return {shape for shape in out if all(n >= 0 for n in shape)}


def shape_text(got: tuple, expected: tuple | None = None) -> str:
    """The shape of what the student's code gave, as a message may say it: "shape (1, 5, 7)" when
    it is `expected` or a usual mistake of it (with nothing expected: at most 2 axes of at most
    4), else "a 3-D shape far from the expected one" or "a large 3-D shape" (the rank is said
    only up to 6)."""
    got = tuple(int(n) for n in got)
    if (got in _mistaken_shapes(tuple(expected)) if expected is not None
            else len(got) <= 2 and all(n <= _TINY for n in got)):
        return f"shape {got}"
    rank = f"{len(got)}-D " if len(got) <= 6 else ""
    return f"a {rank}shape far from the expected one" if expected is not None \
        else f"a large {rank}shape"


def dtype_text(dtype: Any) -> str:
    """A dtype of what the student's code gave, as a message may say it: its name if it is a
    plain number type ("float64"), "a string dtype" for text (its width is a length)."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        return "an unknown dtype"
    if dtype.name in _DTYPES:
        return dtype.name
    if dtype.kind == "U":
        return "a string dtype"
    return "another dtype"


def describe(got: Any, near: tuple = (), shape: tuple | None = None) -> str:
    """A value the student's code gave, as a message may say it: None, booleans and small
    numbers as they are, anything else by its type and size, never its content, and a size only
    within the plausible ones (`near`: the lengths or numbers the check expects, `shape`: the
    array shape it expects; see `count_text` and `shape_text`)."""
    if got is None or isinstance(got, bool):
        return repr(got)
    if isinstance(got, int):
        if got in _near(near):
            return repr(got)
        if near and got > max(near):
            return f"an int greater than {max(near):,}"
        if near and got < min(near):
            return f"an int less than {min(near):,}"
        return "a negative int" if got < 0 else "an int"
    if isinstance(got, float):
        if np.isnan(got):
            return "nan"
        if np.isinf(got):
            return "inf" if got > 0 else "-inf"
        return "a float"
    if isinstance(got, str):
        return f"a string of {_items(len(got), near, 'character')}"
    if isinstance(got, (list, tuple, dict)):
        return f"a {type(got).__name__} of {_items(len(got), near, 'item')}"
    if isinstance(got, np.ndarray):
        said = shape_text(got.shape, shape)
        if said.startswith("shape "):
            return f"an array of {said}"
        rank = f"{got.ndim}-D " if got.ndim <= 6 else ""
        return f"a {rank}array" + (" of a shape far from the expected one" if shape else "")
    if isinstance(got, ExportedModel):
        return "a Keras model"
    return a_class(type(got).__name__)


def _items(count: int, near: tuple, noun: str) -> str:
    said = count_text(count, *near)
    return f"{said} {noun}{'s' * (said != '1')}"


def ordinal(index: int) -> str:
    """'1st', '2nd', '3rd', '4th'... for the 0-based `index`: where a message points. Which
    item the student's code gets wrong is its choice, so past the 20th only '21st or a later'
    is said."""
    n = min(index + 1, 21)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}" if index < 20 else f"{n}{suffix} or a later"


def value_text(got: float, *expected: float) -> str:
    """A number the student's code gave (a mean, a std), as a message may say it: to 4 digits
    when it is one of the `expected` values the check knows of (the right one, or a known
    mistake's), else only which side of them it lies: its digits could carry a hidden input."""
    got = float(got)
    if not np.isfinite(got):
        return "a number that is not finite"
    for want in expected:
        if np.isclose(got, want, rtol=1e-3, atol=1e-12):
            return f"{got:.4g}"
    if got > max(expected):
        return f"more than {max(expected):.4g}"
    if got < min(expected):
        return f"less than {min(expected):.4g}"
    return f"a number between {min(expected):.4g} and {max(expected):.4g}"


def share_text(got: float, percent: bool = False) -> str:
    """A share the student's code gave or that was measured on what it gave (an accuracy, a
    fraction of its items), as a message may say it: rounded to 0.05 (to 5%) inside [0, 1],
    else only which side of it (21 forms at most)."""
    if not np.isfinite(got):
        return "not a finite number"
    if got < 0 or got > 1:
        return "less than 0" if got < 0 else ("more than 100%" if percent else "more than 1")
    rounded = round(got * 20) / 20
    return f"about {rounded:.0%}" if percent else f"about {rounded:.2f}"


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
           f"{what} should have shape {tuple(shape)}; it has {shape_text(got.shape, shape)}")


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


_GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}


def recurrent_params(kind: str, inputs: int, units: int, use_bias: bool = True,
                     reset_after: bool = True) -> int:
    """Parameters of one recurrent layer by formula: gates * units * (inputs + units + biases),
    with one bias per gate and unit (GRU with reset_after, Keras 3's default: two)."""
    if kind not in _GATES:
        raise ValueError(f"not a recurrent layer: {kind}")
    biases = (2 if kind == "GRU" and reset_after else 1) if use_bias else 0
    return _GATES[kind] * units * (inputs + units + biases)


def dense_params(inputs: int, units: int, use_bias: bool = True, lora_rank: int = 0) -> int:
    """Parameters of a Dense layer: its kernel, its bias, and the two LoRA factors if any."""
    return inputs * units + units * use_bias + (lora_rank or 0) * (inputs + units)


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
              "GaussianNoise", "Reshape", "Softmax", "GaussianDropout", "AlphaDropout")

_TERM_WORDS = {
    "kernel": "input kernel term", "recurrent_kernel": "recurrent kernel term",
    "bias": "bias term", "embeddings": "embedding table",
    "lora_kernel_a": "LoRA term", "lora_kernel_b": "LoRA term",
    "lora_embeddings_a": "LoRA term", "lora_embeddings_b": "LoRA term",
}
"""What each weight Keras builds is called in a message (LoRA's two factors are one term)."""


def declared(layer: Any) -> str:
    """A layer as its code declares it, wrapper included, with the settings that change its
    count: 'Bidirectional(LSTM(128))', 'GRU(64, reset_after=False)', 'Embedding(10000, 32)'."""
    kind = type(layer).__name__
    if kind == "TimeDistributed":
        return f"TimeDistributed({declared(layer.layer)})"
    if kind == "Bidirectional":
        mode = getattr(layer, "merge_mode", "concat")
        backward = layer.backward_layer
        differs = backward.get_config().get("units") != layer.forward_layer.units or \
            type(backward) is not type(layer.forward_layer)
        return (f"Bidirectional({declared(layer.forward_layer)}"
                + (f", backward_layer={declared(backward)}" if differs else "")
                + (f", merge_mode={mode!r}" if mode != "concat" else "") + ")")
    settings = []
    if kind in RECURRENT_LAYERS or kind == "Dense":
        settings.append(str(layer.units))
    elif kind == "Embedding":
        settings += [str(layer.input_dim), str(layer.output_dim)]
    elif kind == "CategoryEncoding":
        settings.append(f"num_tokens={layer.num_tokens}")
    elif kind == "Conv1D":
        settings += [str(layer.filters), str(layer.kernel_size[0])]
    elif kind == "RepeatVector":
        settings.append(str(layer.n))
    if kind in RECURRENT_LAYERS and getattr(layer, "return_sequences", False):
        settings.append("return_sequences=True")
    if getattr(layer, "use_bias", True) is False:
        settings.append("use_bias=False")
    if kind == "GRU" and not getattr(layer.cell, "reset_after", True):
        settings.append("reset_after=False")
    if getattr(layer, "lora_rank", None):
        settings.append(f"lora_rank={layer.lora_rank}")
    return f"{kind}({', '.join(settings)})"


def _inputs(features: int) -> str:
    return f"{features} input{'s' * (features != 1)}"


def _units(units: int) -> str:
    return f"{units} unit{'s' * (units != 1)}"


def _layer_terms(layer: Any, features: int | None) -> tuple[dict[str, tuple[int, str]], int]:
    """({weight name: (count by formula, how the formula reads)}, features after the layer)
    for one layer reading `features` numbers per step, from its own configuration."""
    kind = type(layer).__name__
    if kind == "Bidirectional":
        forward, out = _layer_terms(layer.forward_layer, features)
        backward, back_out = _layer_terms(layer.backward_layer, features)
        terms = {name: (count + backward.get(name, (0, ""))[0], f"two directions of {how}")
                 for name, (count, how) in forward.items()}
        return terms, out + back_out if layer.merge_mode == "concat" else out
    if kind == "TimeDistributed":
        return _layer_terms(layer.layer, features)
    if kind in RECURRENT_LAYERS:
        units, gates = layer.units, _GATES[kind]
        per_unit = (f" x {gates} gates" if gates > 1 else "") + f" x {_units(units)}"
        terms = {"kernel": (features * gates * units, f"{_inputs(features)}{per_unit}"),
                 "recurrent_kernel": (units * gates * units, f"{units} states{per_unit}")}
        if layer.cell.use_bias:
            biases = 2 if kind == "GRU" and layer.cell.reset_after else 1
            terms["bias"] = (biases * gates * units,
                             (f"2 biases (reset_after=True){per_unit}" if biases == 2
                              else per_unit[3:]))
        return terms, units
    if kind == "Dense":
        units = layer.units
        terms = {"kernel": (features * units, f"{_inputs(features)} x {_units(units)}")}
        if layer.use_bias:
            terms["bias"] = (units, _units(units))
        rank = getattr(layer, "lora_rank", None) or 0
        if rank:
            terms["lora_kernel_a"] = (rank * features, f"rank {rank} x {_inputs(features)}")
            terms["lora_kernel_b"] = (rank * units, f"rank {rank} x {_units(units)}")
        return terms, units
    if kind == "Embedding":
        rows, size = layer.input_dim, layer.output_dim
        terms = {"embeddings": (rows * size, f"{rows} rows x {size}")}
        rank = getattr(layer, "lora_rank", None) or 0
        if rank:
            terms["lora_embeddings_a"] = (rows * rank, f"{rows} rows x rank {rank}")
            terms["lora_embeddings_b"] = (rank * size, f"rank {rank} x {size}")
        return terms, size
    if kind == "Conv1D":
        width, filters = features // layer.groups, layer.filters
        size = layer.kernel_size[0]
        terms = {"kernel": (size * width * filters,
                            f"kernel size {size} x {_inputs(width)} x {filters} filters")}
        if layer.use_bias:
            terms["bias"] = (filters, f"{filters} filters")
        rank = getattr(layer, "lora_rank", None) or 0
        if rank:
            terms["lora_kernel_a"] = (size * width * rank,
                                      f"kernel size {size} x {_inputs(width)} x rank {rank}")
            terms["lora_kernel_b"] = (rank * filters, f"rank {rank} x {filters} filters")
        return terms, filters
    if kind == "CategoryEncoding":  # one-hot input: no weights, a vector per token
        return {}, layer.num_tokens
    if kind in _NO_PARAMS:
        return {}, features
    raise CheckFailed(f"the model has a {declared(layer)} layer, which this assignment does "
                      "not use")


def _stack_terms(stack: list, inputs: int | None) -> list[tuple[Any, dict, int | None]]:
    """(layer, its terms by formula, the features it reads) for each layer of `stack`."""
    out, features = [], inputs
    for layer in stack:
        kind = layer_kind(layer)
        if features is None and kind not in ("Embedding", "CategoryEncoding") \
                and kind not in _NO_PARAMS:
            # indices turned into numbers by an operation, not a layer (keras.ops.one_hot in
            # a Functional model): the layer reads what that operation gives
            features = _built_width(layer)
            if features is None:
                raise CheckFailed(f"the model has a {declared(layer)} layer before anything "
                                  "gives it numbers to read (an Embedding or one-hot encoding "
                                  "first)")
        terms, after = _layer_terms(layer, features)
        out.append((layer, terms, features))
        features = after
    return out


def _built_width(layer: Any) -> int | None:
    """The last dimension of what `layer` was called on in its model, if Keras knows it."""
    try:
        width = layer.input.shape[-1]
    except (AttributeError, IndexError, TypeError, ValueError):
        return None
    return width if isinstance(width, int) else None


def sequential_params(model: Any, inputs: int) -> int:
    """Parameters a stack of layers should have, by formula, for `inputs` features per step.

    Each layer's size and settings come from its own configuration (units, output_dim,
    use_bias, GRU's reset_after, a Bidirectional wrapper and its merge mode, lora_rank); the
    count is recomputed from those, so a layer that is not what it claims to be does not match.
    """
    return stack_params(layers(model), inputs)


def stack_params(stack: list, inputs: int | None) -> int:
    """`sequential_params` of a list of layers, read in order (`inputs` None: the stack starts
    with an Embedding or a one-hot encoding, which read indices)."""
    return sum(count for _, terms, _ in _stack_terms(stack, inputs)
               for count, _ in terms.values())


def params_differ(stack: list, inputs: int | None) -> str:
    """Where the weights Keras built for `stack` differ from the formula's, in words: the first
    layer whose count differs, as declared, and the term ('' when every layer matches)."""
    for layer, terms, features in _stack_terms(stack, inputs):
        built: dict[str, int] = {}
        for weight in layer.weights:
            name = str(weight.path).rsplit("/", 1)[-1]
            built[name] = built.get(name, 0) + int(np.prod(weight.shape))
        want = sum(count for count, _ in terms.values())
        if sum(built.values()) == want:
            continue
        for name in [*terms, *(name for name in built if name not in terms)]:
            count, how = terms.get(name, (0, ""))
            if built.get(name, 0) != count:
                word = _TERM_WORDS.get(name, "weights the formula does not count")
                return (f"its {declared(layer)} has {count_text(built.get(name, 0), count)} "
                        f"weights in the "
                        f"{word} where the formula gives {count:,}"
                        + (f" ({how})" if how else ""))
        return (f"its {declared(layer)} has {count_text(sum(built.values()), want)} weights "
                f"where the formula gives {want:,}")
    return ""


def expect_params(net: Any, stack: list, inputs: int | None, what: str,
                  reading: str = "") -> None:
    """Fail unless `net` has the parameters the formula gives for `stack` reading `inputs`
    numbers per step (`reading`: how the message says those inputs, e.g. ' and one input
    feature per step'); the message names the layer, as declared, and the term that differs."""
    want, got = stack_params(stack, inputs), net.count_params()
    if got == want:
        return
    where = params_differ(stack, inputs)
    raise CheckFailed(f"{what} has {count_text(got, want)} parameters; for its layer "
                      f"sizes{reading} the formula "
                      f"gives {want:,}" + (f": {where}" if where else ""))
