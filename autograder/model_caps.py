"""What a handed-in Keras model may cost the trusted grader, read from its archive before Keras
builds anything.

Keras safe mode keeps code from running, not a model from being large: a 1 KB `.keras` archive
can declare layers whose weights fill the memory as they are built, or inputs so long that
evaluating the model holds the grader for minutes. `check_archive` reads the archive's
config.json as plain JSON, walks its layers (Sequential and Functional models, nested ones,
TimeDistributed and Bidirectional wrappers) and bounds by formula what building and running
the model would take: layers, parameters, sequence lengths, vocabulary and work per input. Each
bound is an upper one: a layer's input width is the largest the configuration declares or the
layers before it give, so a configuration cannot understate its size. Layers without a formula
here are refused.
"""

from __future__ import annotations

import itertools
import json
import math
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course_config import ModelCaps

MAX_CONFIG_BYTES = 1_000_000
"""config.json of the largest sample model is 7 KB; an inline vocabulary of 10,000 words 100 KB."""
MAX_UNPACKED_BYTES = 200_000_000
"""All members unpacked. Keras stores them uncompressed, so an honest archive unpacks to about
its own size (the archive itself is capped at the same figure)."""
MAX_MEMBERS = 1_000
MAX_NESTING = 8
"""Models inside models (and wrappers) the walk follows."""
MAX_NODE_CONSTANTS = 32
"""Plain values (axes, flags, dtypes) a layer call of a Functional model may pass; arrays and
long lists are refused, since broadcasting one can make any tensor huge."""

Shape = tuple  # the dimensions after the batch one; None where the configuration leaves them open

_RECURRENT = {  # kind -> (gates, extra biases per unit): parameters gates*u*(d + u + extra)
    "SimpleRNN": (1, 1), "LSTM": (4, 1), "GRU": (3, 2),
}
_UNCHANGED = frozenset({  # no weights; the output has the input's shape (or a smaller one)
    "Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
    "ActivityRegularization", "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax", "Masking",
    "MaxPooling1D", "AveragePooling1D",
    # element-wise operations Keras records in Functional models (a mask is NotEqual(ids, 0))
    "NotEqual", "Equal", "Greater", "GreaterEqual", "Less", "LessEqual", "LogicalAnd",
    "LogicalOr", "LogicalNot", "Cast", "ZerosLike", "OnesLike", "Divide", "TrueDivide",
    "Negative", "Absolute", "Abs", "Sigmoid", "Tanh", "Relu", "Exp", "Log", "Sqrt", "Square",
    "Clip",
})
_ELEMENTWISE = frozenset({"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"})
_FEWER_AXES = frozenset({"Any", "All"})  # reductions Keras records when it merges masks
_MODELS = frozenset({"Sequential", "Functional", "Model"})
_KNOWN = _UNCHANGED | _ELEMENTWISE | _FEWER_AXES | _MODELS | set(_RECURRENT) | {
    "InputLayer", "Dense", "Embedding", "TextVectorization", "RepeatVector", "TimeDistributed",
    "Bidirectional", "Conv1D", "GlobalMaxPooling1D", "GlobalAveragePooling1D", "Flatten",
    "BatchNormalization", "LayerNormalization", "Concatenate", "ExpandDims",
}
"""Every kind of layer the walk has a rule for; any other is refused."""


class ModelRefused(ValueError):
    """The archive is not one the grader builds; the message is meant for the student."""


@dataclass(frozen=True)
class Figures:
    """What a model's configuration declares, as bounded by formula."""

    layers: int
    parameters: int
    steps: int
    """The longest sequence any of its layers declares or outputs (0: none declared)."""
    weight_steps: int
    """Weights outside Embedding lookups times max(1, steps): the multiply-adds per input."""


def check_archive(path: Path, caps: ModelCaps) -> Figures:
    """The figures of the `.keras` archive at `path`; ModelRefused if it is not a readable
    archive or its configuration exceeds any of `caps`. Nothing is built."""
    return measure(read_config(path), caps)


def read_config(path: Path) -> Any:
    """The parsed config.json of a `.keras` archive, read within the archive caps."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise ModelRefused(f"the saved model's archive holds more than {MAX_MEMBERS:,} "
                                   "files; a .keras file holds a few")
            if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
                raise ModelRefused("the saved model's archive unpacks to more than "
                                   f"{MAX_UNPACKED_BYTES:,} bytes; the grader reads models up "
                                   "to that size")
            try:
                info = archive.getinfo("config.json")
            except KeyError:
                raise ModelRefused("the saved model's archive has no config.json: save the "
                                   "model with model.save(\"....keras\")") from None
            if info.file_size > MAX_CONFIG_BYTES:
                raise ModelRefused(_config_too_large())
            with archive.open(info) as handle:
                raw = handle.read(MAX_CONFIG_BYTES + 1)  # the header may understate the size
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError,
            RuntimeError, NotImplementedError, ValueError) as exc:
        if isinstance(exc, ModelRefused):
            raise
        raise ModelRefused("the saved model could not be loaded safely: it is not a valid "
                           ".keras archive (a zip file with config.json); save it with "
                           "model.save(\"....keras\")") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ModelRefused(_config_too_large())
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ModelRefused("the saved model's config.json is not valid JSON") from None


def _config_too_large() -> str:
    return (f"the saved model's config.json is larger than {MAX_CONFIG_BYTES:,} bytes; the "
            "grader reads configurations up to that size")


def measure(config: Any, caps: ModelCaps) -> Figures:
    """The figures of a parsed model configuration; ModelRefused over any of `caps`."""
    walk = _Walk(caps)
    try:
        walk.entry(config, [], depth=0)
    except RecursionError:
        raise _malformed() from None
    return walk.figures()


def _malformed() -> ModelRefused:
    return ModelRefused("the saved model's config.json is not a Keras model configuration the "
                        "grader can read")


def _a_layer(kind: str) -> str:
    """'a Conv2D layer' for a Keras layer class; the class name is not said otherwise, since a
    model the notebook exported may carry names its code built from a hidden input."""
    import keras

    known = kind.isidentifier() and isinstance(getattr(keras.layers, kind, None), type)
    return f"a {kind} layer, which" if known else "a layer of a kind"


def _merge(shapes: list[Shape | None]) -> Shape | None:
    """The largest of `shapes`, dimension by dimension from the last (None: no shape known)."""
    known = [shape for shape in shapes if shape is not None]
    if not known:
        return None
    merged = []
    for back in range(1, max(len(shape) for shape in known) + 1):
        dims = [shape[-back] for shape in known if len(shape) >= back and shape[-back] is not None]
        merged.append(max(dims) if dims else None)
    return tuple(reversed(merged))


def _larger(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else max(a, b)


def _one_axis_fewer(shape: Shape | None) -> Shape | None:
    """A bound on `shape` with one axis removed, whichever it is: each dimension as large as
    the largest."""
    if not shape:
        return shape
    largest = None if None in shape else max(shape)
    return (largest,) * (len(shape) - 1)


def _one_axis_more(shape: Shape | None) -> Shape | None:
    """A bound on `shape` with an axis of 1 inserted, wherever it is."""
    if shape is None:
        return None
    padded = (1, *shape)
    return (*(_larger(a, b) for a, b in itertools.pairwise(padded)), padded[-1])


def _is_dim(value: Any) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)


def _declared_shapes(value: Any) -> list[Shape]:
    """The shapes (batch dimension dropped) in a declared input shape: one, a list or a dict."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [shape for item in value.values() for shape in _declared_shapes(item)]
    if isinstance(value, (list, tuple)):
        if all(_is_dim(item) for item in value):
            return [tuple(value[1:])] if value else []
        return [shape for item in value for shape in _declared_shapes(item)]
    raise _malformed()


def _argument_shapes(kind: str, config: dict) -> list[Shape]:
    """Shapes given as arguments (`input_shape`, `shape`, `input_dim`, no batch dimension),
    which Keras builds a layer with as the first of a Sequential model."""
    shapes = []
    for key in ("input_shape", "shape"):
        if config.get(key) is not None:
            shapes += _declared_shapes([None, *config[key]] if isinstance(config[key], list)
                                       else config[key])
    if kind != "Embedding" and config.get("input_dim") is not None:  # Embedding's: its rows
        if not _is_dim(config["input_dim"]):
            raise _malformed()
        shapes.append((config["input_dim"],))
    return shapes


class _Walk:
    """One pass over a configuration, tallying layers, parameters and steps as it goes."""

    def __init__(self, caps: ModelCaps) -> None:
        self.caps = caps
        self.layers = 0
        self.parameters = 0
        self.lookups = 0  # Embedding parameters: read one row per step, not multiplied
        self.steps = 0

    def figures(self) -> Figures:
        weight_steps = (self.parameters - self.lookups) * max(1, self.steps)
        if weight_steps > self.caps.weight_steps:
            raise ModelRefused(
                f"the saved model would do about {weight_steps:,} multiply-adds per input "
                f"({self.parameters - self.lookups:,} weights at each of up to "
                f"{max(1, self.steps):,} steps); the grader evaluates models of up to "
                f"{self.caps.weight_steps:,}")
        return Figures(self.layers, self.parameters, self.steps, weight_steps)

    # --- tallies ---------------------------------------------------------------------------

    def add(self, parameters: int, lookup: bool = False) -> None:
        self.parameters += parameters
        self.lookups += parameters if lookup else 0
        if self.parameters > self.caps.parameters:
            raise ModelRefused(f"the saved model declares {self.parameters:,} parameters or "
                               f"more; the grader evaluates models of up to "
                               f"{self.caps.parameters:,}")

    def sequence(self, length: int | None, where: str) -> None:
        if length is None:
            return
        if length > self.caps.steps:
            raise ModelRefused(f"the saved model reads sequences of {length:,} steps ({where}); "
                               f"the grader evaluates models that read up to "
                               f"{self.caps.steps:,}")
        self.steps = max(self.steps, length)

    def shape_steps(self, shape: Shape | None, kind: str) -> None:
        """Every dimension but the last of a shape a layer reads or gives is a sequence."""
        for length in (shape or ())[:-1]:
            self.sequence(length, f"in its {kind} layer")

    # --- layers ----------------------------------------------------------------------------

    def entry(self, entry: Any, inputs: list[Shape | None], depth: int) -> list[Shape | None]:
        """The output shapes of one layer (or model) entry called on `inputs`."""
        if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str):
            raise _malformed()
        if depth > MAX_NESTING:
            raise ModelRefused(f"the saved model nests models more than {MAX_NESTING} deep")
        kind, config = entry["class_name"], entry.get("config") or {}
        if not isinstance(config, dict):
            raise _malformed()
        if kind not in _KNOWN:
            raise ModelRefused(f"the saved model could not be loaded safely: it has "
                               f"{_a_layer(kind)} the grader does not evaluate; use only built-in "
                               "Keras layers (Embedding, SimpleRNN, LSTM, GRU, Dense, "
                               "TimeDistributed, ...)")
        self.layers += 1
        if self.layers > self.caps.layers:
            raise ModelRefused(f"the saved model has more than {self.caps.layers} layers "
                               f"(nested ones included); the grader evaluates models of up to "
                               f"{self.caps.layers}")
        declared = _declared_shapes((entry.get("build_config") or {}).get("input_shape"))
        declared += _declared_shapes(config.get("build_input_shape"))
        declared += _argument_shapes(kind, config)
        for shape in declared:
            self.shape_steps(shape, kind)
        if kind in _MODELS and "input_layers" in config:
            outputs = self.functional(config, inputs or declared, depth)
        elif kind in _MODELS:
            outputs = self.sequential(config, [_merge(inputs + declared)], depth)
        else:
            outputs = self.layer(kind, config, inputs, declared, depth)
        for shape in outputs:
            self.shape_steps(shape, kind)
        return outputs

    def layer(self, kind: str, config: dict, inputs: list[Shape | None],
              declared: list[Shape], depth: int) -> list[Shape | None]:
        shape = _merge(inputs + declared)
        if kind == "InputLayer":
            given = config.get("batch_shape", config.get("batch_input_shape"))
            return [_merge([*_declared_shapes(given), shape])]  # `shape`: its other arguments
        if kind in _UNCHANGED or kind in _ELEMENTWISE:
            return [shape]
        if kind in _FEWER_AXES:
            return [_one_axis_fewer(shape)]
        if kind == "ExpandDims":
            return [_one_axis_more(shape)]
        if kind == "Concatenate":  # what it is called on, or the shapes it declares: the larger
            return [_merge([self.concatenate(config, inputs), self.concatenate(config, declared)])]
        if kind == "Dense":
            units = self.size(config, "units")
            self.add((self.width(shape, kind) + 1) * units)
            return [(*shape[:-1], units)]
        if kind in _RECURRENT:
            return self.recurrent(kind, config, shape)
        if kind == "Embedding":
            rows, size = self.size(config, "input_dim"), self.size(config, "output_dim")
            self.add(rows * size, lookup=True)
            return [(*(shape or ()), size)]
        if kind == "TextVectorization":
            return [self.text_vectorization(config)]
        if kind == "RepeatVector":
            n = self.size(config, "n")
            self.sequence(n, "in its RepeatVector layer")
            return [(n, *(shape or (None,))[-1:])]
        if kind == "TimeDistributed":
            step = None if not shape else shape[1:]
            outputs = self.entry(config.get("layer"), [step], depth + 1)
            return [None if out is None else ((shape or (None,))[0], *out) for out in outputs]
        if kind == "Bidirectional":
            return self.bidirectional(config, shape, depth)
        if kind == "Conv1D":
            filters = self.size(config, "filters")
            kernel = config.get("kernel_size")
            kernel = kernel[0] if isinstance(kernel, list) and len(kernel) == 1 else kernel
            if not _is_dim(kernel) or kernel is None:
                raise _malformed()
            self.add(kernel * self.width(shape, kind) * filters + filters)
            return [(*(shape or (None, None))[:-1], filters)]
        if kind in ("GlobalMaxPooling1D", "GlobalAveragePooling1D"):
            return [(shape or (None,))[-1:]]
        if kind == "Flatten":
            dims = shape or (None,)
            return [(None,) if None in dims else (math.prod(dims),)]
        if kind in ("BatchNormalization", "LayerNormalization"):
            self.add((4 if kind == "BatchNormalization" else 2) * self.normalized(config, shape,
                                                                                kind))
            return [shape]
        raise AssertionError(f"{kind} is in _KNOWN without a rule")

    def size(self, config: dict, key: str) -> int:
        value = config.get(key)
        if not _is_dim(value) or value is None:
            raise _malformed()
        return value

    def width(self, shape: Shape | None, kind: str) -> int:
        """The last dimension of what a layer with weights reads; it must be declared."""
        if not shape or shape[-1] is None:
            raise ModelRefused(f"the saved model does not declare the shape its {kind} layer "
                               "reads: start the model with keras.Input(shape=...)")
        return shape[-1]

    def normalized(self, config: dict, shape: Shape | None, kind: str) -> int:
        """How many values a normalization layer keeps weights for: its axes' sizes, multiplied."""
        self.width(shape, kind)
        axes = config.get("axis", -1)
        axes = axes if isinstance(axes, list) else [axes]
        size = 1
        for axis in axes:
            if not isinstance(axis, int) or isinstance(axis, bool) or axis == 0 \
                    or not -len(shape) <= (axis - 1 if axis > 0 else axis) < len(shape):
                raise _malformed()
            dim = shape[axis - 1 if axis > 0 else axis]  # shapes have no batch axis
            if dim is None:
                raise ModelRefused(f"the saved model does not declare the shape its {kind} "
                                   "layer reads: start the model with keras.Input(shape=...)")
            size *= dim
        return size

    def recurrent(self, kind: str, config: dict, shape: Shape | None) -> list[Shape | None]:
        units, (gates, extra) = self.size(config, "units"), _RECURRENT[kind]
        self.add(gates * units * (self.width(shape, kind) + units + extra))
        steps = shape[-2] if len(shape) >= 2 else None
        main = (steps, units) if config.get("return_sequences") else (units,)
        states = (2 if kind == "LSTM" else 1) if config.get("return_state") else 0
        return [main] + [(units,)] * states

    def bidirectional(self, config: dict, shape: Shape | None, depth: int) -> list[Shape | None]:
        forward = self.entry(config.get("layer"), [shape], depth + 1)
        backward = self.entry(config.get("backward_layer") or config.get("layer"), [shape],
                              depth + 1)
        if config.get("merge_mode", "concat") == "concat" and forward[0] and backward[0]:
            main = (*_merge([forward[0], backward[0]])[:-1], forward[0][-1] + backward[0][-1])
        else:
            main = _merge([forward[0], backward[0]])
        return [main, *forward[1:], *backward[1:]]

    def concatenate(self, config: dict, shapes: list[Shape | None]) -> Shape | None:
        known = [shape for shape in shapes if shape is not None]
        merged = _merge(known)
        if merged is None:
            return None
        axis = config.get("axis", -1)
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise _malformed()
        position = axis - 1 if axis > 0 else len(merged) + axis  # shapes have no batch axis
        if not 0 <= position < len(merged):
            raise _malformed()
        total = [shape[position - len(merged)] for shape in known
                 if len(shape) >= len(merged) - position]
        dims = list(merged)
        dims[position] = None if None in total else sum(total)
        return tuple(dims)

    def text_vectorization(self, config: dict) -> Shape:
        tokens = config.get("max_tokens")
        if tokens is None:
            raise ModelRefused("the saved model's TextVectorization keeps every word it was "
                               "adapted on (no max_tokens); the grader evaluates vocabularies "
                               f"of up to {self.caps.tokens:,} tokens")
        tokens = self.size(config, "max_tokens")
        inline = config.get("vocabulary")
        if isinstance(inline, list):
            tokens = max(tokens, len(inline))
        if tokens > self.caps.tokens:
            raise ModelRefused(f"the saved model's TextVectorization keeps up to {tokens:,} "
                               f"tokens; the grader evaluates vocabularies of up to "
                               f"{self.caps.tokens:,}")
        if config.get("output_mode", "int") != "int":
            return (tokens,)
        length = config.get("output_sequence_length")
        if length is None:
            raise ModelRefused("the saved model's TextVectorization has no "
                               "output_sequence_length, so it would read each text to its "
                               "last word; the grader evaluates models that read up to "
                               f"{self.caps.steps:,} steps")
        length = self.size(config, "output_sequence_length")
        self.sequence(length, "the output_sequence_length of its TextVectorization")
        return (length,)

    # --- models ----------------------------------------------------------------------------

    def sequential(self, config: dict, inputs: list[Shape | None], depth: int) -> list:
        layers = config.get("layers")
        if not isinstance(layers, list):
            raise _malformed()
        outputs = inputs
        for layer in layers:
            outputs = self.entry(layer, outputs[:1], depth + 1)
        return outputs[:1]

    def functional(self, config: dict, inputs: list[Shape | None], depth: int) -> list:
        """Follow the layer calls of a Functional model: each node once its inputs are known."""
        layers = config.get("layers")
        if not isinstance(layers, list) or not all(isinstance(layer, dict) for layer in layers):
            raise _malformed()
        given = dict(zip(_references(config.get("input_layers")), inputs))
        outputs: dict[str, list[Shape | None]] = {}
        pending = []
        for layer in layers:
            nodes = layer.get("inbound_nodes") or []
            if not isinstance(nodes, list):
                raise _malformed()
            if layer.get("class_name") == "InputLayer" or not nodes:
                # an input, or a layer no call reaches: Keras still builds it as declared
                name = str(layer.get("name"))
                outer = [shape for ref, shape in given.items() if ref == name]
                outputs.setdefault(name, []).extend(self.entry(layer, outer, depth + 1))
            else:
                pending += [(layer, node) for node in nodes]
        while pending:
            waiting = []
            for layer, node in pending:
                refs, waits_for = _node_inputs(node)
                if all(ref in outputs for ref in waits_for):
                    shapes = [_merge(outputs[ref]) for ref in refs]
                    outputs.setdefault(str(layer.get("name")), []).extend(
                        self.entry(layer, shapes, depth + 1))
                else:
                    waiting.append((layer, node))
            if len(waiting) == len(pending):  # a loop, or a call of a layer that is not there
                raise _malformed()
            pending = waiting
        return [_merge(outputs.get(ref, [])) for ref in _references(config.get("output_layers"))]


def _references(value: Any) -> list[str]:
    """Layer names in a Functional model's input_layers or output_layers ([name, node, index],
    or nested lists and dicts of those)."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        return [value[0]]
    if isinstance(value, dict):
        return [name for item in value.values() for name in _references(item)]
    if isinstance(value, list):
        return [name for item in value for name in _references(item)]
    return []


def _node_inputs(node: Any) -> tuple[list[str], list[str]]:
    """(layers whose outputs a layer call reads as its inputs, every layer it waits for: masks
    and states passed by keyword too). Besides tensors a call may pass only a few plain values
    (no arrays, which broadcasting could make any size)."""
    if not isinstance(node, dict) or not isinstance(node.get("kwargs") or {}, dict):
        raise _malformed()
    found: list[str] = []
    plain = 0

    def visit(value: Any) -> None:
        nonlocal plain
        if isinstance(value, dict):
            if value.get("class_name") == "__keras_tensor__":
                history = (value.get("config") or {}).get("keras_history")
                if not isinstance(history, list) or not history or not isinstance(history[0], str):
                    raise _malformed()
                found.append(history[0])
            elif value.get("class_name") in ("__tuple__", "__list__"):
                visit((value.get("config") or {}).get("value"))
            else:
                raise ModelRefused("a layer call in the saved model passes an array or object "
                                   "the grader does not evaluate; pass layer outputs only")
        elif isinstance(value, list):
            for item in value:
                visit(item)
        else:
            plain += 1
            if plain > MAX_NODE_CONSTANTS:
                raise ModelRefused("a layer call in the saved model passes more constants than "
                                   "the grader evaluates; pass layer outputs only")

    visit(node.get("args"))
    inputs = list(found)
    visit(list((node.get("kwargs") or {}).values()))
    return inputs, found
