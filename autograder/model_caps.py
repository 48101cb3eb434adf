"""What a handed-in Keras model may cost the trusted grader, read from its archive before Keras
builds anything.

Keras safe mode keeps code from running, not a model from being large: a 1 KB `.keras` archive
can declare layers whose weights fill the memory as they are built, or inputs so long that
evaluating the model holds the grader for minutes. `check_archive` reads the archive's
config.json as plain JSON, walks its layers (Sequential and Functional models, nested ones,
TimeDistributed and Bidirectional wrappers) and bounds by formula what building and running
the model would take: layers, parameters, sequence lengths, vocabulary and work per input. Each
bound is an upper one: a layer's input width is the largest the configuration declares or the
layers before it give, so a configuration cannot understate its size.

The walk works by allowlist: every layer class has a rule here, and every key of its
configuration is one the rule understands (counted where it adds weights, as `lora_rank` or
`use_bias` do); any other class or key is refused. Then the weights file (model.weights.h5) is
opened with h5py and every dataset's dtype and shape, read from its metadata alone, must be one
the configuration implies, so a file that declares a dataset of a gigabyte is refused without
reading it.
"""

from __future__ import annotations

import functools
import io
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

WEIGHTS_MEMBER = "model.weights.h5"
MAX_WEIGHT_OBJECTS = 5_000
"""Groups and datasets of model.weights.h5 the check visits; the largest sample model's file
has about 60 (its optimizer's state included)."""
WEIGHT_COPIES = 5
"""Elements of all datasets together, in copies of the declared parameters: the weights, and
an optimizer's state saved with them (Adam keeps two more copies, with amsgrad three)."""

_RECURRENT = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}  # kind -> gates
_UNCHANGED = frozenset({  # no weights; the output has the input's shape (or a smaller one)
    "Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
    "ActivityRegularization", "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax", "Masking",
    "MaxPooling1D", "AveragePooling1D", "Identity",
    # element-wise operations Keras records in Functional models (a mask is NotEqual(ids, 0))
    "NotEqual", "Equal", "Greater", "GreaterEqual", "Less", "LessEqual", "LogicalAnd",
    "LogicalOr", "LogicalNot", "Cast", "ZerosLike", "OnesLike", "Divide", "TrueDivide",
    "Negative", "Absolute", "Abs", "Sigmoid", "Tanh", "Relu", "Exp", "Log", "Sqrt", "Square",
    "Clip",
})
_ELEMENTWISE = frozenset({"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"})
_FEWER_AXES = frozenset({"Any", "All"})  # reductions Keras records when it merges masks
_MODELS = frozenset({"Sequential", "Functional", "Model"})

# --- the allowlist of configuration keys ----------------------------------------------------
# Keys that change no weight, no shape and no work: names, initial values, penalties and
# constraints applied in training, activations, dropout rates and seeds, flags of masks.
_BASE = frozenset({"name", "trainable", "dtype", "autocast", "activity_regularizer",
                   "input_shape", "input_dim"})
_OP = frozenset({"name"})  # an operation Keras records in a Functional model (keras.ops.*)
_INIT = ("initializer", "regularizer", "constraint")


def _terms(*weights: str) -> frozenset[str]:
    """`kernel_initializer`, `kernel_regularizer`, `kernel_constraint`... of each weight."""
    return frozenset(f"{weight}_{what}" for weight in weights for what in _INIT)


_RNN_KEYS = _BASE | _terms("kernel", "recurrent", "bias") | {
    # counted: units, use_bias; shapes: return_sequences, return_state; refused when set:
    # stateful (predictions would depend on the batches before)
    "units", "use_bias", "return_sequences", "return_state", "stateful",
    "activation", "dropout", "recurrent_dropout", "seed", "go_backwards", "unroll",
    "zero_output_for_mask",
}
_POOL_1D = _BASE | {"pool_size", "strides", "padding", "data_format"}
_KEYS: dict[str, frozenset[str]] = {
    "InputLayer": frozenset({"batch_shape", "batch_input_shape", "shape", "batch_size", "dtype",
                             "sparse", "ragged", "optional", "name", "input_tensor"}),
    "Sequential": frozenset({"name", "trainable", "dtype", "layers", "build_input_shape"}),
    "Functional": frozenset({"name", "trainable", "layers", "input_layers", "output_layers"}),
    "Dense": _BASE | _terms("kernel", "bias") | {
        "units", "activation", "use_bias", "lora_rank", "lora_alpha", "quantization_config"},
    "Embedding": _BASE | _terms("embeddings") | {
        "input_dim", "output_dim", "mask_zero", "lora_rank", "lora_alpha", "quantization_config",
        "input_length"},
    "SimpleRNN": _RNN_KEYS,
    "LSTM": _RNN_KEYS | {"recurrent_activation", "unit_forget_bias", "use_cudnn",
                         "implementation"},
    "GRU": _RNN_KEYS | {"recurrent_activation", "reset_after", "use_cudnn", "implementation"},
    "Bidirectional": _BASE | {"layer", "backward_layer", "merge_mode"},
    "TimeDistributed": _BASE | {"layer"},
    "CategoryEncoding": _BASE | {"num_tokens", "output_mode", "sparse"},
    "OneHot": _OP | {"num_classes", "axis", "dtype", "sparse"},
    "Conv1D": _BASE | _terms("kernel", "bias") | {
        "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
        "groups", "activation", "use_bias", "lora_rank", "lora_alpha"},
    "BatchNormalization": _BASE | _terms("beta", "gamma") | {
        "axis", "momentum", "epsilon", "center", "scale", "moving_mean_initializer",
        "moving_variance_initializer", "renorm", "renorm_clipping", "renorm_momentum",
        "synchronized"},
    "LayerNormalization": _BASE | _terms("beta", "gamma") | {
        "axis", "epsilon", "center", "scale", "rms_scaling"},
    "Dropout": _BASE | {"rate", "noise_shape", "seed"},
    "SpatialDropout1D": _BASE | {"rate", "seed"},
    "GaussianNoise": _BASE | {"stddev", "seed"},
    "GaussianDropout": _BASE | {"rate", "seed"},
    "AlphaDropout": _BASE | {"rate", "noise_shape", "seed"},
    "ActivityRegularization": _BASE | {"l1", "l2"},
    "Activation": _BASE | {"activation"},
    "ReLU": _BASE | {"max_value", "negative_slope", "threshold"},
    "LeakyReLU": _BASE | {"negative_slope", "alpha"},
    "ELU": _BASE | {"alpha"},
    "Softmax": _BASE | {"axis"},
    "Masking": _BASE | {"mask_value"},
    "MaxPooling1D": _POOL_1D,
    "AveragePooling1D": _POOL_1D,
    "GlobalMaxPooling1D": _BASE | {"data_format", "keepdims"},
    "GlobalAveragePooling1D": _BASE | {"data_format", "keepdims"},
    "Flatten": _BASE | {"data_format"},
    "RepeatVector": _BASE | {"n"},
    "Reshape": _BASE | {"target_shape"},
    "Permute": _BASE | {"dims"},
    "Identity": _BASE,
    "Concatenate": _BASE | {"axis"},
    "TextVectorization": _BASE | {
        "max_tokens", "standardize", "split", "ngrams", "output_mode", "output_sequence_length",
        "pad_to_max_tokens", "vocabulary", "idf_weights", "sparse", "ragged", "encoding",
        "vocabulary_size"},
    "ExpandDims": _OP | {"axis"},
    "Any": _OP | {"axis", "keepdims"},
    "All": _OP | {"axis", "keepdims"},
    "Cast": _OP | {"dtype"},
    "ZerosLike": _OP | {"dtype"},
    "OnesLike": _OP | {"dtype"},
    "Clip": _OP | {"x_min", "x_max"},
    **{kind: _BASE for kind in _ELEMENTWISE},
}
"""Every layer class the walk has a rule for, with the configuration keys the rule
understands. Any other class, or any other key, is refused."""
_KEYS["Model"] = _KEYS["Functional"] | _KEYS["Sequential"]
for _kind in _UNCHANGED:
    _KEYS.setdefault(_kind, _BASE)
_KNOWN = frozenset(_KEYS)
_ENTRY_KEYS = frozenset({"module", "class_name", "config", "registered_name", "build_config",
                         "compile_config", "name", "inbound_nodes", "shared_object_id"})
"""Keys of a layer's entry around its config."""
_PLAIN_DTYPES = frozenset({"float16", "bfloat16", "float32", "float64", "mixed_float16",
                           "mixed_bfloat16", "int8", "int16", "int32", "int64", "uint8",
                           "uint16", "uint32", "uint64", "bool", "string"})
"""Dtype policies that store every weight as declared (quantized ones add scales)."""


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
    shapes: frozenset = frozenset()
    """The shape of every weight the configuration declares."""


def check_archive(path: Path, caps: ModelCaps) -> Figures:
    """The figures of the `.keras` archive at `path`; ModelRefused if it is not a readable
    archive, its configuration exceeds any of `caps`, or its weights file holds datasets the
    configuration does not declare. Nothing is built, and no weight is read."""
    try:
        with zipfile.ZipFile(path) as archive:
            figures = measure(_config_of(archive), caps)
            check_weights(archive, figures)
            return figures
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError,
            RuntimeError, NotImplementedError, ValueError) as exc:
        if isinstance(exc, ModelRefused):
            raise
        raise _not_an_archive() from None


def read_config(path: Path) -> Any:
    """The parsed config.json of a `.keras` archive, read within the archive caps."""
    try:
        with zipfile.ZipFile(path) as archive:
            return _config_of(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError,
            RuntimeError, NotImplementedError, ValueError) as exc:
        if isinstance(exc, ModelRefused):
            raise
        raise _not_an_archive() from None


def _not_an_archive() -> ModelRefused:
    return ModelRefused("the saved model could not be loaded safely: it is not a valid "
                        ".keras archive (a zip file with config.json); save it with "
                        "model.save(\"....keras\")")


def _config_of(archive: zipfile.ZipFile) -> Any:
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
    if len(raw) > MAX_CONFIG_BYTES:
        raise ModelRefused(_config_too_large())
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ModelRefused("the saved model's config.json is not valid JSON") from None


# --- the weights file --------------------------------------------------------------------------

def check_weights(archive: zipfile.ZipFile, figures: Figures) -> None:
    """Refuse a weights file holding anything but datasets of the weights `figures` declares
    (and an optimizer's scalars), judged from HDF5 metadata: no dataset is read.

    Keras reads each dataset whole before it compares the shape with its variable's, so one
    declaring a gigabyte (a chunked dataset stores next to nothing) costs that much memory and
    time before it is refused; its own guard starts at 4 GiB.
    """
    names = set(archive.namelist())
    if "model.weights.npz" in names:
        raise ModelRefused("the saved model keeps its weights in model.weights.npz; the grader "
                           "reads model.weights.h5, what model.save(\"....keras\") writes")
    if WEIGHTS_MEMBER not in names:
        return  # Keras refuses an archive without weights by itself
    import h5py

    info = archive.getinfo(WEIGHTS_MEMBER)
    with archive.open(info) as member:
        # A stored member seeks in place; a compressed one would decompress from its start at
        # every backward seek, so it is read first (the archive caps bound its size).
        handle = member if info.compress_type == zipfile.ZIP_STORED \
            else io.BytesIO(member.read(MAX_UNPACKED_BYTES + 1))
        try:
            with h5py.File(handle, "r") as weights:
                _check_h5(weights, figures, h5py)
        except ModelRefused:
            raise
        except Exception:  # noqa: BLE001 (not HDF5, or metadata h5py cannot read)
            raise ModelRefused(f"the saved model's weights file ({WEIGHTS_MEMBER}) is not a "
                               "valid HDF5 file: save the model with "
                               "model.save(\"....keras\")") from None


def _check_h5(weights: Any, figures: Figures, h5py: Any) -> None:
    allowed = figures.shapes | {()}  # () : an optimizer's iteration count and learning rate
    largest = max((math.prod(shape) for shape in allowed), default=1)
    total, visited, groups = 0, 0, [weights]
    while groups:
        group = groups.pop()
        for name in group:
            visited += 1
            if visited > MAX_WEIGHT_OBJECTS:
                raise ModelRefused(f"the saved model's weights file holds more than "
                                   f"{MAX_WEIGHT_OBJECTS:,} groups and datasets; a model the "
                                   "grader evaluates has a few hundred at most")
            link = group.get(name, getlink=True)
            if not isinstance(link, h5py.HardLink):
                raise ModelRefused("the saved model's weights file links to other files or "
                                   "paths; save the model with model.save(\"....keras\")")
            item = group.get(name)
            if isinstance(item, h5py.Group):
                groups.append(item)
                continue
            if not isinstance(item, h5py.Dataset):
                raise ModelRefused("the saved model's weights file holds an object that is "
                                   "not a weight")
            shape, dtype = item.shape, item.dtype
            if item.external or item.is_virtual:
                raise ModelRefused("the saved model's weights file has a dataset stored "
                                   "outside it; save the model with model.save(\"....keras\")")
            if dtype.kind not in "biuf" or dtype.itemsize > 8 or dtype.shape != ():
                raise ModelRefused("the saved model's weights file has a dataset that is not "
                                   "an array of numbers")
            if set(item.attrs) - {"dtype"}:
                raise ModelRefused("the saved model's weights file has a dataset with "
                                   "attributes Keras does not write")
            if shape is None or tuple(shape) not in allowed:
                size = 0 if shape is None else math.prod(shape)
                raise ModelRefused(
                    "the saved model's weights file has a dataset "
                    + (f"of {size:,} values, more than the largest weight its configuration "
                       f"declares ({largest:,})" if size > largest else
                       "whose shape is not that of any weight its configuration declares")
                    + ": save the model with model.save(\"....keras\") after training it")
            total += math.prod(shape)
            if total > WEIGHT_COPIES * figures.parameters + 1_000:
                raise ModelRefused(
                    f"the saved model's weights file holds more than {WEIGHT_COPIES} times "
                    f"the {figures.parameters:,} parameters its configuration declares")


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


@functools.cache
def _keras_words() -> frozenset[str]:
    """Every argument name of a Keras layer class, and every key the rules know."""
    import inspect

    import keras

    words = set().union(*_KEYS.values())
    for name in dir(keras.layers):
        cls = getattr(keras.layers, name)
        if isinstance(cls, type):
            try:
                words.update(inspect.signature(cls.__init__).parameters)
            except (TypeError, ValueError):
                continue
    return frozenset(words - {"self", "args", "kwargs"})


def _a_key(key: str) -> str:
    """"the key 'lora_rank'" for a Keras argument name; another key is not quoted, since a
    model the notebook exported may carry names its code built from a hidden input."""
    return f"the key {key!r}" if key in _keras_words() else "a key of its own"


def _single(value: Any) -> Any:
    """An int given as itself or as a list of one (kernel sizes, strides)."""
    return value[0] if isinstance(value, list) and len(value) == 1 else value


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
        self.shapes: set[Shape] = set()

    def figures(self) -> Figures:
        weight_steps = (self.parameters - self.lookups) * max(1, self.steps)
        if weight_steps > self.caps.weight_steps:
            raise ModelRefused(
                f"the saved model would do about {weight_steps:,} multiply-adds per input "
                f"({self.parameters - self.lookups:,} weights at each of up to "
                f"{max(1, self.steps):,} steps); the grader evaluates models of up to "
                f"{self.caps.weight_steps:,}")
        return Figures(self.layers, self.parameters, self.steps, weight_steps,
                       frozenset(self.shapes))

    # --- tallies ---------------------------------------------------------------------------

    def add(self, kind: str, *shapes: Shape, lookup: bool = False, term: str = "") -> None:
        """Count the weights of `shapes`, which a `kind` layer builds (`term`: which ones, for
        the message of a model that goes over the cap)."""
        parameters = sum(math.prod(shape) for shape in shapes)
        self.shapes.update(tuple(shape) for shape in shapes)
        self.parameters += parameters
        self.lookups += parameters if lookup else 0
        if self.parameters > self.caps.parameters:
            raise ModelRefused(f"the saved model declares {self.parameters:,} parameters or "
                               f"more; the grader evaluates models of up to "
                               f"{self.caps.parameters:,} ({parameters:,} of them are in its "
                               f"{kind} layer{chr(39) + 's ' + term if term else ''})")

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

    # --- settings --------------------------------------------------------------------------

    def keys(self, kind: str, entry: dict, config: dict) -> None:
        """Refuse a key of the layer's entry or configuration that its rule does not know."""
        for key in entry:
            if key not in _ENTRY_KEYS:
                raise ModelRefused(f"the saved model could not be loaded safely: its {kind} "
                                   f"layer has {_a_key(key)} beside its configuration, which "
                                   "the grader does not evaluate")
        for key in config:
            if key not in _KEYS[kind]:
                raise ModelRefused(f"the saved model could not be loaded safely: its {kind} "
                                   f"layer sets {_a_key(key)}, which the grader does not "
                                   "evaluate; save the model with the layer's usual settings")
        dtype = config.get("dtype")
        if isinstance(dtype, dict):  # a DTypePolicy; a quantized one adds scales to weights
            policy = dtype.get("config") if dtype.get("class_name") == "DTypePolicy" else None
            dtype = policy.get("name") if isinstance(policy, dict) else ...
        if dtype is not None and dtype not in _PLAIN_DTYPES:
            raise ModelRefused(f"the saved model could not be loaded safely: its {kind} layer "
                               "has a dtype policy the grader does not evaluate (quantized "
                               "layers are not); use float32")
        if config.get("quantization_config") is not None:
            raise ModelRefused(f"the saved model could not be loaded safely: its {kind} layer "
                               "sets 'quantization_config'; the grader evaluates layers that "
                               "are not quantized")

    def flag(self, kind: str, config: dict, key: str, default: bool) -> bool:
        value = config.get(key, default)
        if not isinstance(value, bool):
            raise ModelRefused(f"the saved model's {kind} layer sets {key!r} to something "
                               "other than True or False")
        return value

    def choice(self, kind: str, config: dict, key: str, default: Any,
               allowed: tuple) -> Any:
        value = config.get(key, default)
        if not any(value == option and type(value) is type(option) for option in allowed):
            shown = ", ".join(repr(option) for option in allowed)
            raise ModelRefused(f"the saved model's {kind} layer sets {key!r} to a value the "
                               f"grader does not evaluate; it evaluates {shown}")
        return value

    def lora(self, kind: str, config: dict) -> int:
        """The rank of the LoRA weights a layer adds (0: none)."""
        rank = config.get("lora_rank")
        if rank is None:
            return 0
        if not _is_dim(rank) or rank == 0:
            raise _malformed()
        return rank

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
        self.keys(kind, entry, config)
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
            if config.get("input_tensor") is not None:
                raise _malformed()
            given = config.get("batch_shape", config.get("batch_input_shape"))
            return [_merge([*_declared_shapes(given), shape])]  # `shape`: its other arguments
        if kind in _UNCHANGED or kind in _ELEMENTWISE:
            if kind in ("MaxPooling1D", "AveragePooling1D"):
                self.channels_last(kind, config)
            return [shape]
        if kind in _FEWER_AXES:
            keep = self.flag(kind, config, "keepdims", False)
            return [shape if keep else _one_axis_fewer(shape)]
        if kind == "ExpandDims":
            return [_one_axis_more(shape)]
        if kind == "Concatenate":  # what it is called on, or the shapes it declares: the larger
            return [_merge([self.concatenate(config, inputs), self.concatenate(config, declared)])]
        if kind == "Dense":
            return [self.dense(config, shape)]
        if kind in _RECURRENT:
            return self.recurrent(kind, config, shape)
        if kind == "Embedding":
            return [self.embedding(config, shape)]
        if kind in ("CategoryEncoding", "OneHot"):
            return [self.one_hot(kind, config, shape)]
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
            return [self.conv1d(config, shape)]
        if kind in ("GlobalMaxPooling1D", "GlobalAveragePooling1D"):
            self.channels_last(kind, config)
            last = (shape or (None,))[-1:]
            return [(1, *last) if self.flag(kind, config, "keepdims", False) else last]
        if kind == "Flatten":
            dims = shape or (None,)
            return [(None,) if None in dims else (math.prod(dims),)]
        if kind == "Reshape":
            return [self.reshape(config, shape)]
        if kind == "Permute":
            return [self.permute(config, shape)]
        if kind == "BatchNormalization":
            weights = self.normalized(config, shape, kind)
            count = (self.flag(kind, config, "center", True)
                     + self.flag(kind, config, "scale", True)
                     + 2 + 3 * self.flag(kind, config, "renorm", False))
            self.add(kind, *[weights] * count)
            return [shape]
        if kind == "LayerNormalization":
            weights = self.normalized(config, shape, kind)
            rms = self.flag(kind, config, "rms_scaling", False)
            count = ((self.flag(kind, config, "scale", True) or rms)
                     + (self.flag(kind, config, "center", True) and not rms))
            self.add(kind, *[weights] * count)
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

    def channels_last(self, kind: str, config: dict) -> None:
        self.choice(kind, config, "data_format", "channels_last", (None, "channels_last"))

    def dense(self, config: dict, shape: Shape | None) -> Shape:
        units, width = self.size(config, "units"), self.width(shape, "Dense")
        self.add("Dense", (width, units), *[(units,)] * self.flag("Dense", config, "use_bias",
                                                                   True))
        rank = self.lora("Dense", config)
        if rank:
            self.add("Dense", (width, rank), (rank, units), term="LoRA weights (lora_rank)")
        return (*shape[:-1], units)

    def embedding(self, config: dict, shape: Shape | None) -> Shape:
        rows, size = self.size(config, "input_dim"), self.size(config, "output_dim")
        self.flag("Embedding", config, "mask_zero", False)
        self.add("Embedding", (rows, size), lookup=True)
        rank = self.lora("Embedding", config)
        if rank:
            self.add("Embedding", (rows, rank), (rank, size), lookup=True,
                     term="LoRA weights (lora_rank)")
        return (*(shape or ()), size)

    def one_hot(self, kind: str, config: dict, shape: Shape | None) -> Shape:
        """CategoryEncoding, or keras.ops.one_hot in a Functional model: a vector of
        `num_tokens` per index, no weights."""
        key = "num_tokens" if kind == "CategoryEncoding" else "num_classes"
        tokens = self.size(config, key)
        if tokens > self.caps.tokens:
            raise ModelRefused(f"the saved model's {kind} layer encodes {tokens:,} tokens; the "
                               f"grader evaluates vocabularies of up to {self.caps.tokens:,}")
        self.flag(kind, config, "sparse", False)
        dims = tuple(shape or ())
        if kind == "OneHot":
            self.choice(kind, config, "axis", -1, (-1,))
            return (*dims, tokens)
        mode = self.choice(kind, config, "output_mode", "multi_hot",
                           ("one_hot", "multi_hot", "count"))
        if mode == "one_hot" and (not dims or dims[-1] != 1):
            return (*dims, tokens)  # an unknown last axis: the longer of the two readings
        return (*dims[:-1], tokens)

    def recurrent(self, kind: str, config: dict, shape: Shape | None) -> list[Shape | None]:
        units, gates = self.size(config, "units"), _RECURRENT[kind]
        width = self.width(shape, kind)
        if self.flag(kind, config, "stateful", False):
            raise ModelRefused(f"the saved model's {kind} layer sets 'stateful': its predictions "
                               "would depend on the batches it read before; the grader "
                               "evaluates layers with stateful=False")
        biases = [(gates * units,)] if self.flag(kind, config, "use_bias", True) else []
        if biases and kind == "GRU" and self.flag(kind, config, "reset_after", True):
            biases = [(2, gates * units)]  # one bias for the input, one for the recurrent part
        self.add(kind, (width, gates * units), (units, gates * units), *biases)
        steps = shape[-2] if len(shape) >= 2 else None
        sequences = self.flag(kind, config, "return_sequences", False)
        main = (steps, units) if sequences else (units,)
        states = (2 if kind == "LSTM" else 1) if self.flag(kind, config, "return_state",
                                                           False) else 0
        return [main] + [(units,)] * states

    def bidirectional(self, config: dict, shape: Shape | None, depth: int) -> list[Shape | None]:
        mode = self.choice("Bidirectional", config, "merge_mode", "concat",
                           ("concat", "sum", "mul", "ave", None))
        for key in ("layer", "backward_layer"):
            inner = config.get(key)
            if inner is not None and (not isinstance(inner, dict)
                                      or inner.get("class_name") not in _RECURRENT):
                raise ModelRefused("the saved model's Bidirectional layer wraps a layer that is "
                                   "not SimpleRNN, LSTM or GRU; the grader evaluates those")
        forward = self.entry(config.get("layer"), [shape], depth + 1)
        backward = self.entry(config.get("backward_layer") or config.get("layer"), [shape],
                              depth + 1)
        if mode is None:  # both outputs, unmerged
            return [forward[0], backward[0], *forward[1:], *backward[1:]]
        if mode == "concat" and forward[0] and backward[0]:
            main = (*_merge([forward[0], backward[0]])[:-1], forward[0][-1] + backward[0][-1])
        else:
            main = _merge([forward[0], backward[0]])
        return [main, *forward[1:], *backward[1:]]

    def conv1d(self, config: dict, shape: Shape | None) -> Shape:
        kind = "Conv1D"
        self.channels_last(kind, config)
        filters, width = self.size(config, "filters"), self.width(shape, kind)
        kernel = _single(config.get("kernel_size"))
        for key in ("strides", "dilation_rate"):
            if not _is_dim(_single(config.get(key, 1))) or _single(config.get(key, 1)) in (0,
                                                                                          None):
                raise _malformed()
        self.choice(kind, config, "padding", "valid", ("valid", "same", "causal"))
        groups = config.get("groups", 1)
        if not _is_dim(kernel) or kernel in (0, None) or not _is_dim(groups) \
                or groups in (0, None) or width % groups or filters % groups:
            raise _malformed()
        self.add(kind, (kernel, width // groups, filters),
                 *[(filters,)] * self.flag(kind, config, "use_bias", True))
        rank = self.lora(kind, config)
        if rank:
            self.add(kind, (kernel, width // groups, rank), (rank, filters),
                     term="LoRA weights (lora_rank)")
        return (*(shape or (None, None))[:-1], filters)  # no longer than its input

    def reshape(self, config: dict, shape: Shape | None) -> Shape:
        target = config.get("target_shape")
        if not isinstance(target, list) or not all(
                isinstance(d, int) and not isinstance(d, bool) and (d > 0 or d == -1)
                for d in target) or target.count(-1) > 1:
            raise _malformed()
        if -1 not in target:
            return tuple(target)
        known = math.prod(d for d in target if d != -1)
        total = None if not shape or None in shape else math.prod(shape)
        return tuple((None if total is None else total // known) if d == -1 else d
                     for d in target)

    def permute(self, config: dict, shape: Shape | None) -> Shape | None:
        dims = config.get("dims")
        if not isinstance(dims, list) or sorted(dims) != list(range(1, len(dims) + 1)) \
                or any(isinstance(d, bool) for d in dims):
            raise _malformed()
        if shape is None or len(shape) != len(dims):
            return None if shape is None else _merge([shape, tuple(reversed(shape))])
        return tuple(shape[d - 1] for d in dims)

    def normalized(self, config: dict, shape: Shape | None, kind: str) -> Shape:
        """The shape of a normalization layer's weights: its axes' sizes (Keras sorts them)."""
        self.width(shape, kind)
        axes = config.get("axis", -1)
        axes = axes if isinstance(axes, list) else [axes]
        positions = []
        for axis in axes:
            if not isinstance(axis, int) or isinstance(axis, bool) or axis == 0 \
                    or not -len(shape) <= (axis - 1 if axis > 0 else axis) < len(shape):
                raise _malformed()
            positions.append(axis - 1 if axis > 0 else len(shape) + axis)  # no batch axis
        dims = tuple(shape[position] for position in sorted(positions))
        if None in dims:
            raise ModelRefused(f"the saved model does not declare the shape its {kind} "
                               "layer reads: start the model with keras.Input(shape=...)")
        return dims

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
