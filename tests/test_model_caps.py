"""Caps on handed-in models: read from the archive's config.json, enforced before Keras builds
anything, and loose enough for every sample model and solution."""

from __future__ import annotations

import io
import itertools
import json
import time
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest

import course_config
from autograder import model_caps
from autograder.boundary import ExportedModel, StudentCodeError
from autograder.build import solution_notebook
from autograder.checks import lib
from autograder.model_caps import ModelRefused, check_archive
from autograder.notebook_io import grade_id
from course_config import ASSIGNMENTS, ModelCaps

ROOT = Path(course_config.ROOT)
SENTIMENT = ASSIGNMENTS["sentiment"].model_caps
SAMPLE_MODELS = sorted((ROOT / "samples" / "models").glob("*/*/*.keras"))


def _archive(path: Path, config, extra: dict[str, bytes] | None = None) -> Path:
    """A .keras-like zip holding `config` as config.json (and `extra` members)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": keras.__version__}))
        archive.writestr("config.json", config if isinstance(config, (str, bytes))
                         else json.dumps(config))
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return path


def _layer(kind: str, **config) -> dict:
    return {"module": "keras.layers", "class_name": kind, "config": config}


def _sequential(*layers: dict) -> dict:
    return {"module": "keras", "class_name": "Sequential", "config": {"layers": list(layers)}}


def _input(*dims) -> dict:
    return _layer("InputLayer", batch_shape=[None, *dims])


def _saved(tmp_path: Path, model: keras.Model, name: str = "model.keras") -> Path:
    model.save(tmp_path / name)
    return tmp_path / name


def _never_built(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("a model over the caps was handed to Keras")
    monkeypatch.setattr(keras.saving, "load_model", refuse)


# --- what the course hands in stays within its caps ---------------------------------------------

@pytest.mark.parametrize("path", SAMPLE_MODELS,
                         ids=[f"{p.parent.parent.name}-{p.parent.name}" for p in SAMPLE_MODELS])
def test_every_sample_model_is_within_its_assignments_caps(path: Path) -> None:
    figures = check_archive(path, ASSIGNMENTS[path.parent.parent.name].model_caps)
    # The bound by formula is Keras's own count for the course's layers.
    loaded = keras.saving.load_model(path, compile=False, safe_mode=True)
    assert figures.parameters == loaded.count_params()


def _solution_functions(assignment: str, *names: str, **namespace) -> dict:
    """The solution notebook's cells that define `names`, run in `namespace`."""
    namespace = {"keras": keras, "np": __import__("numpy"), **namespace}
    source = ROOT / "source" / assignment / ASSIGNMENTS[assignment].notebook
    for cell in solution_notebook(source).cells:
        if grade_id(cell) in names:
            exec(cell.source, namespace)
    return namespace


def _solution_models() -> list[tuple[str, keras.Model]]:
    """Each model the solutions export or hand in, at the sizes the notebooks and hidden checks
    use (the largest where the grader accepts a range)."""
    onehot = _solution_functions("onehot", "build_char_rnn", "build_dense_model")
    windows = _solution_functions("windows", "rnn_units", "build_sine_model",
                                  "build_char_model")
    addition = _solution_functions("addition", "build_model", ALPHABET="0123456789+ ")
    sentiment = _solution_functions("sentiment", "build_model", "build_end_to_end")
    stocks = _solution_functions("stocks", "build_model")
    textgen = _solution_functions("textgen", "build_model")
    vectorizer = keras.layers.TextVectorization(max_tokens=10_000, output_sequence_length=1_000)
    vectorizer.adapt(["a few words to adapt on", "and a few more"])
    return [
        ("onehot", onehot["build_char_rnn"](5, 8)),
        ("onehot", onehot["build_dense_model"](5, 8)),
        ("onehot", onehot["build_char_rnn"](12, 16)),
        ("windows", windows["build_sine_model"](4)),
        ("windows", windows["build_sine_model"](64)),
        ("windows", windows["build_char_model"](20, 3)),
        ("addition", addition["build_model"](3, "LSTM", 128)),
        ("addition", addition["build_model"](4, "SimpleRNN", 10)),
        ("sentiment", sentiment["build_model"](1_234)),
        ("sentiment", sentiment["build_end_to_end"](vectorizer,
                                                    sentiment["build_model"](10_000))),
        ("stocks", stocks["build_model"](20)),
        ("stocks", stocks["build_model"](64)),
        ("textgen", textgen["build_model"](47, 40, 64)),
        ("textgen", textgen["build_model"](29, 17, 12)),
    ]


def test_every_solution_model_is_within_its_assignments_caps(tmp_path: Path) -> None:
    for index, (assignment, model) in enumerate(_solution_models()):
        path = _saved(tmp_path, model, f"{index}.keras")
        figures = check_archive(path, ASSIGNMENTS[assignment].model_caps)
        assert figures.parameters == model.count_params(), assignment


def test_the_bound_is_keras_own_count_for_every_layer_with_a_formula(tmp_path: Path) -> None:
    ids = keras.Input((30,), dtype="int64")
    vectors = keras.layers.Embedding(500, 16, mask_zero=True)(ids)
    both = keras.layers.Bidirectional(keras.layers.GRU(8, return_sequences=True))(vectors)
    conv = keras.layers.Conv1D(6, 3, padding="same")(vectors)
    joined = keras.layers.Concatenate()([both, conv])
    normed = keras.layers.LayerNormalization()(keras.layers.BatchNormalization()(joined))
    steps = keras.layers.TimeDistributed(keras.layers.Dense(5))(normed)
    pooled = keras.layers.GlobalMaxPooling1D()(steps)
    repeated = keras.layers.RepeatVector(4)(pooled)
    decoded = keras.layers.LSTM(3, return_sequences=True)(repeated)
    out = keras.layers.Dense(1)(keras.layers.Flatten()(decoded))
    model = keras.Model(ids, out)
    figures = check_archive(_saved(tmp_path, model), SENTIMENT)
    assert figures.parameters == model.count_params()
    assert figures.steps == 30


# --- crafted archives ------------------------------------------------------------------------

def test_a_tiny_archive_declaring_huge_dense_layers_is_refused_unbuilt(tmp_path: Path,
                                                                        monkeypatch) -> None:
    config = _sequential(_input(7, 12), _layer("Dense", units=10**6), _layer("Dense", units=10**6))
    path = _archive(tmp_path / "bomb.keras", config)
    assert path.stat().st_size < 2_000
    _never_built(monkeypatch)
    with pytest.raises(StudentCodeError, match=r"declares [\d,]+ parameters or more; the grader "
                                               r"evaluates models of up to 10,000,000"):
        ExportedModel(path, "file").load()


def test_a_declared_input_shape_counts_even_if_the_layers_before_give_less(
        tmp_path: Path) -> None:
    # Keras builds a layer from its build_config before calling it: that shape is what it costs.
    dense = _layer("Dense", units=10)
    dense["build_config"] = {"input_shape": [None, 10**7]}
    with pytest.raises(ModelRefused, match="parameters"):
        check_archive(_archive(tmp_path / "m.keras", _sequential(_input(3), dense)), ModelCaps())


def test_an_lstm_reading_2000_steps_is_refused(tmp_path: Path, monkeypatch) -> None:
    config = _sequential(_input(2_000, 8), _layer("LSTM", units=32), _layer("Dense", units=1))
    path = _archive(tmp_path / "long.keras", config)
    _never_built(monkeypatch)
    with pytest.raises(StudentCodeError, match="reads sequences of 2,000 steps .*up to 1,500"):
        ExportedModel(path, "file").load(SENTIMENT)
    shorter = _sequential(_input(1_000, 8), _layer("LSTM", units=32), _layer("Dense", units=1))
    assert check_archive(_archive(tmp_path / "ok.keras", shorter), SENTIMENT).steps == 1_000


def test_a_vectorizer_of_2000_steps_is_refused(tmp_path: Path) -> None:
    vectorizer = keras.layers.TextVectorization(max_tokens=100, output_sequence_length=2_000)
    vectorizer.adapt(["some words", "other words"])
    model = keras.Sequential([keras.Input((1,), dtype="string"), vectorizer,
                              keras.layers.Embedding(100, 8), keras.layers.LSTM(8),
                              keras.layers.Dense(1, activation="sigmoid")])
    with pytest.raises(ModelRefused, match="2,000 steps .*output_sequence_length"):
        check_archive(_saved(tmp_path, model), SENTIMENT)


@pytest.mark.parametrize("config,match", [
    (_layer("TextVectorization", max_tokens=100), "no output_sequence_length"),
    (_layer("TextVectorization", max_tokens=None, output_sequence_length=10), "no max_tokens"),
    (_layer("TextVectorization", max_tokens=10**6, output_sequence_length=10),
     "1,000,000 tokens"),
])
def test_a_vectorizer_must_bound_its_length_and_vocabulary(tmp_path: Path, config,
                                                            match: str) -> None:
    model = _sequential(_layer("InputLayer", batch_shape=[None, 1], dtype="string"), config)
    with pytest.raises(ModelRefused, match=match):
        check_archive(_archive(tmp_path / "m.keras", model), SENTIMENT)


def test_a_long_repeat_vector_is_refused(tmp_path: Path) -> None:
    config = _sequential(_input(7, 12), _layer("LSTM", units=8), _layer("RepeatVector", n=5_000))
    with pytest.raises(ModelRefused, match="5,000 steps .*RepeatVector"):
        check_archive(_archive(tmp_path / "m.keras", config), ModelCaps())


def test_too_many_layers_are_refused(tmp_path: Path) -> None:
    config = _sequential(_input(4), *[_layer("Dropout", rate=0.1) for _ in range(60)])
    with pytest.raises(ModelRefused, match="more than 50 layers"):
        check_archive(_archive(tmp_path / "m.keras", config), ModelCaps())


def test_too_much_work_per_input_is_refused(tmp_path: Path) -> None:
    # 2.7 million weights, under the parameter cap, applied at each of 1,000 steps
    config = _sequential(_input(1_000, 256), _layer("LSTM", units=700), _layer("Dense", units=1))
    with pytest.raises(ModelRefused, match="multiply-adds per input"):
        check_archive(_archive(tmp_path / "m.keras", config), SENTIMENT)


def test_a_layer_without_a_formula_is_refused(tmp_path: Path) -> None:
    config = _sequential(_input(8, 8, 1), _layer("Conv2D", filters=8, kernel_size=[3, 3]))
    with pytest.raises(ModelRefused, match="a Conv2D layer, which the grader does not evaluate"):
        check_archive(_archive(tmp_path / "m.keras", config), ModelCaps())
    invented = _sequential(_input(8), _layer("Answer42Layer"))
    with pytest.raises(ModelRefused) as refused:
        check_archive(_archive(tmp_path / "n.keras", invented), ModelCaps())
    assert "Answer42" not in str(refused.value)  # a name the notebook made is not repeated


def test_an_array_passed_to_a_layer_call_is_refused(tmp_path: Path) -> None:
    ids = keras.Input((5,))
    model = keras.Model(ids, keras.ops.add(ids, keras.ops.convert_to_numpy(keras.ops.ones((5,)))))
    with pytest.raises(ModelRefused, match="passes an array"):
        check_archive(_saved(tmp_path, model), ModelCaps())


def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "model.keras"
    path.write_bytes(b"this is not a zip file at all")
    _never_built(monkeypatch)
    with pytest.raises(StudentCodeError, match="could not be loaded safely: it is not a valid "
                                               ".keras archive"):
        ExportedModel(path, "file").load()


def test_a_config_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    for config, match in ((b"\xff\xfe{", "not valid JSON"), ("[[[[1]]]]", "not a Keras model"),
                          ({"class_name": "Sequential", "config": {"layers": 3}},
                           "not a Keras model")):
        with pytest.raises(ModelRefused, match=match):
            check_archive(_archive(tmp_path / "m.keras", config), ModelCaps())
    with zipfile.ZipFile(tmp_path / "none.keras", "w") as archive:
        archive.writestr("metadata.json", "{}")
    with pytest.raises(ModelRefused, match="no config.json"):
        check_archive(tmp_path / "none.keras", ModelCaps())


def test_a_config_json_zip_bomb_is_refused_unread(tmp_path: Path, monkeypatch) -> None:
    # 50 MB of white space after a valid configuration: compressed, a few tens of KB
    config = json.dumps(_sequential(_input(4), _layer("Dense", units=1))) + " " * 50_000_000
    path = _archive(tmp_path / "bomb.keras", config)
    assert path.stat().st_size < 200_000

    def unread(*args, **kwargs):
        raise AssertionError("config.json was read")
    monkeypatch.setattr(zipfile.ZipFile, "open", unread)
    with pytest.raises(ModelRefused, match="config.json is larger than 1,000,000 bytes"):
        check_archive(path, ModelCaps())


def test_a_config_json_that_understates_its_size_is_read_only_so_far(tmp_path: Path) -> None:
    body = json.dumps(_sequential(_input(4), _layer("Dense", units=1))) + " " * 3_000_000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", body)
    raw = buffer.getvalue()
    real = len(body).to_bytes(4, "little")
    lied = (100).to_bytes(4, "little")
    path = tmp_path / "lies.keras"
    path.write_bytes(raw.replace(real, lied))  # both headers now declare 100 bytes
    with pytest.raises(ModelRefused):
        check_archive(path, ModelCaps())


def test_an_archive_that_unpacks_to_too_much_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", json.dumps(_sequential(_input(4))))
        with archive.open("model.weights.h5", "w") as weights:
            for _ in range(model_caps.MAX_UNPACKED_BYTES // 10_000_000 + 1):
                weights.write(bytes(10_000_000))
    assert path.stat().st_size < 2_000_000
    with pytest.raises(ModelRefused, match="unpacks to more than"):
        check_archive(path, ModelCaps())


def test_a_shape_given_as_an_argument_counts(tmp_path: Path) -> None:
    # Keras builds the first layer of a Sequential model with its input_dim or input_shape.
    for argument in ({"input_dim": 10**7}, {"input_shape": [5, 10**7]}):
        config = _sequential(_layer("Dense", units=10, **argument))
        with pytest.raises(ModelRefused, match="parameters"):
            check_archive(_archive(tmp_path / "m.keras", config), ModelCaps())


# --- every permitted layer and setting: the caps, the check library and Keras agree ----------

def _recurrent(kind: str, units: int, use_bias: bool, reset_after: bool,
               sequences: bool = False) -> keras.layers.Layer:
    extra = {"reset_after": reset_after} if kind == "GRU" else {}
    return getattr(keras.layers, kind)(units, use_bias=use_bias, return_sequences=sequences,
                                       **extra)


def _family() -> list[tuple[str, keras.Model, int | None]]:
    """(id, model, the features per step its first layer reads, None for indices): every
    recurrent kind and setting, wrapped or not, stacked or not, after each input the notebooks
    permit (floats, an Embedding, one-hot by CategoryEncoding or keras.ops.one_hot)."""
    models = []
    variants = [("SimpleRNN", True), ("LSTM", True), ("GRU", True), ("GRU", False)]
    wrappers = [None, "concat", "sum", "mul", "ave"]
    for index, ((kind, reset_after), use_bias, wrapper) in enumerate(
            itertools.product(variants, (True, False), wrappers)):
        units, stacked = 3 + index % 5, index % 2 == 0

        def wrap(layer, wrapper=wrapper):
            return layer if wrapper is None else keras.layers.Bidirectional(layer,
                                                                             merge_mode=wrapper)
        layers = [wrap(_recurrent(kind, units, use_bias, reset_after, sequences=stacked))]
        if stacked:
            layers.append(_recurrent(kind, units + 1, use_bias, reset_after))
        name = (f"{kind}{'' if reset_after else '-reset_after=False'}-bias={use_bias}-"
                f"{wrapper or 'plain'}-{'stacked' if stacked else 'single'}")
        models.append((name, keras.Sequential([keras.Input((6, 5)), *layers,
                                               keras.layers.Dense(4, use_bias=use_bias)]), 5))
    vocab = 11
    for encoding in ("embedding", "embedding-mask", "embedding-lora", "category-encoding"):
        first = {"embedding": keras.layers.Embedding(vocab, 6),
                 "embedding-mask": keras.layers.Embedding(vocab, 6, mask_zero=True),
                 "embedding-lora": keras.layers.Embedding(vocab, 6, lora_rank=2),
                 "category-encoding": keras.layers.CategoryEncoding(vocab,
                                                                    output_mode="one_hot")}
        models.append((f"{encoding}-lstm-lstm", keras.Sequential([
            keras.Input((9,), dtype="int32"), first[encoding],
            keras.layers.LSTM(8, return_sequences=True), keras.layers.LSTM(8),
            keras.layers.Dense(vocab, activation="softmax")]), None))
    ids = keras.Input((9,), dtype="int32")
    states = keras.layers.GRU(7)(keras.ops.one_hot(ids, vocab))
    models.append(("ops-one-hot-gru", keras.Model(ids, keras.layers.Dense(vocab)(states)), None))
    models += [
        ("dense-lora", keras.Sequential([keras.Input((7, 12)), keras.layers.LSTM(16),
                                         keras.layers.RepeatVector(4),
                                         keras.layers.LSTM(16, return_sequences=True),
                                         keras.layers.TimeDistributed(
                                             keras.layers.Dense(12, lora_rank=3))]), 12),
        ("bidirectional-backward-layer", keras.Sequential([
            keras.Input((6, 5)),
            keras.layers.Bidirectional(keras.layers.LSTM(4), backward_layer=keras.layers.GRU(
                4, go_backwards=True, reset_after=False)),
            keras.layers.Dense(1)]), 5),
        ("conv1d-groups-lora", keras.Sequential([
            keras.Input((10, 6)), keras.layers.Conv1D(4, 3, groups=2, use_bias=False),
            keras.layers.Conv1D(5, 2, lora_rank=2), keras.layers.SimpleRNN(3),
            keras.layers.Dense(1)]), 6),
    ]
    inputs = keras.Input((8, 6))
    x = inputs
    for center, scale in ((True, False), (False, True)):
        x = keras.layers.BatchNormalization(center=center, scale=scale)(x)
        x = keras.layers.LayerNormalization(center=center, scale=scale)(x)
    x = keras.layers.BatchNormalization(renorm=True)(x)
    x = keras.layers.LayerNormalization(axis=[1, 2])(x)
    both = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True),
                                      merge_mode=None)(x)
    joined = keras.layers.Concatenate()(both)
    pooled = keras.layers.GlobalAveragePooling1D(keepdims=True)(
        keras.layers.Reshape((8, 6))(joined))
    out = keras.layers.Dense(2)(keras.layers.Flatten()(keras.layers.Permute((2, 1))(pooled)))
    models.append(("normalization-merge-none-reshape", keras.Model(inputs, out), None))
    return models


FAMILY = _family()


@pytest.mark.parametrize("name,model,features", FAMILY, ids=[name for name, _, _ in FAMILY])
def test_caps_and_keras_agree_on_every_permitted_layer_and_setting(tmp_path: Path, name: str,
                                                                    model: keras.Model,
                                                                    features) -> None:
    # Saved and checked whole (config.json and every dataset of model.weights.h5), as a model
    # handed in is: no honest layer or setting is refused, and the count is Keras's own.
    model.compile("adam", "mse")  # the optimizer's state is saved with the weights
    path = _saved(tmp_path, model)
    figures = check_archive(path, SENTIMENT)
    assert figures.parameters == model.count_params()
    loaded = keras.saving.load_model(path, compile=False, safe_mode=True)
    assert loaded.count_params() == model.count_params()
    if name != "normalization-merge-none-reshape":  # the library's formulas: layer stacks
        stack = lib.layers(loaded)
        assert lib.stack_params(stack, features) == loaded.count_params()
        assert lib.params_differ(stack, features) == ""


def test_every_key_keras_writes_is_one_the_caps_understand() -> None:
    # A Keras release that adds a key to a layer's configuration must be reviewed here (is it
    # counted?), or every honest model with that layer would be refused.
    built = {
        "Bidirectional": keras.layers.Bidirectional(keras.layers.LSTM(3)),
        "TimeDistributed": keras.layers.TimeDistributed(keras.layers.Dense(3)),
        "CategoryEncoding": keras.layers.CategoryEncoding(5, output_mode="one_hot"),
        "TextVectorization": keras.layers.TextVectorization(max_tokens=10,
                                                            output_sequence_length=4),
        "Reshape": keras.layers.Reshape((2, 3)), "Permute": keras.layers.Permute((2, 1)),
        "RepeatVector": keras.layers.RepeatVector(3), "Embedding": keras.layers.Embedding(5, 3),
        "Conv1D": keras.layers.Conv1D(3, 2), "InputLayer": keras.layers.InputLayer(shape=(3,)),
        "AveragePooling1D": keras.layers.AveragePooling1D(2),
        "MaxPooling1D": keras.layers.MaxPooling1D(2),
    }
    for kind in sorted(model_caps._KEYS):
        cls = getattr(keras.layers, kind, None)
        if kind in built:
            layer = built[kind]
        elif isinstance(cls, type) and kind not in ("Sequential", "Model"):
            try:
                layer = cls(3) if kind in ("Dense", "SimpleRNN", "LSTM", "GRU") else cls()
            except TypeError:
                continue
        else:
            continue
        unknown = set(layer.get_config()) - model_caps._KEYS[kind]
        assert not unknown, (kind, unknown)
    for lora in (keras.layers.Dense(3, lora_rank=2), keras.layers.Embedding(5, 3, lora_rank=2)):
        assert set(lora.get_config()) <= model_caps._KEYS[type(lora).__name__]


def _solution_archive(tmp_path: Path) -> Path:
    """The addition solution's architecture (LSTM(128) encoder and decoder), saved."""
    model = keras.Sequential([
        keras.Input((7, 12)), keras.layers.LSTM(128), keras.layers.RepeatVector(4),
        keras.layers.LSTM(128, return_sequences=True),
        keras.layers.TimeDistributed(keras.layers.Dense(12, activation="softmax"))])
    return _saved(tmp_path, model, "solution.keras")


def _with_config(path: Path, out: Path, edit) -> Path:
    """The archive at `path` with its config.json changed by `edit` (in place)."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    edit(config)
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out


def _layers_of(config: dict) -> list[dict]:
    return config["config"]["layers"]


def test_a_lora_rank_counts_and_is_refused_unbuilt(tmp_path: Path, monkeypatch) -> None:
    # 205,324 parameters by the old count, 420 M weights more once Keras enables LoRA.
    def lora(config):
        _layers_of(config)[-1]["config"]["layer"]["config"]["lora_rank"] = 3_000_000
    path = _with_config(_solution_archive(tmp_path), tmp_path / "lora.keras", lora)
    _never_built(monkeypatch)
    start = time.perf_counter()
    with pytest.raises(StudentCodeError, match=r"declares 420,205,324 parameters or more; the "
                                               r"grader evaluates models of up to 10,000,000 "
                                               r"\(420,000,000 of them are in its Dense layer's "
                                               r"LoRA weights"):
        ExportedModel(path, "file").load()
    assert time.perf_counter() - start < 1


@pytest.mark.parametrize("kind,key,value,match", [
    ("LSTM", "stateful", True, "sets 'stateful'"),
    ("LSTM", "use_bias", "yes", "'use_bias' to something other than True or False"),
    ("LSTM", "kernel_size", 3, "its LSTM layer sets the key 'kernel_size'"),
    ("LSTM", "weights", [[0.0]], "its LSTM layer sets the key 'weights'"),
    ("LSTM", "dtype", {"class_name": "QuantizedDTypePolicy",
                       "config": {"name": "int8_from_float32"}}, "quantized"),
    ("RepeatVector", "secret_of_the_hidden_text", 1, "a key of its own"),
])
def test_a_key_the_caps_do_not_understand_is_refused_by_name(tmp_path: Path, kind: str, key: str,
                                                             value, match: str) -> None:
    def edit(config):
        layer = next(entry for entry in _layers_of(config) if entry["class_name"] == kind)
        layer["config"][key] = value
    path = _with_config(_solution_archive(tmp_path), tmp_path / "edited.keras", edit)
    with pytest.raises(ModelRefused, match=match) as refused:
        check_archive(path, ModelCaps())
    assert "secret" not in str(refused.value)  # a key Keras does not know is not repeated


def test_a_bidirectional_merge_mode_and_wrapped_layer_are_checked(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((6, 5)),
                              keras.layers.Bidirectional(keras.layers.GRU(4)),
                              keras.layers.Dense(1)])
    path = _saved(tmp_path, model)

    def merge(config):
        _layers_of(config)[1]["config"]["merge_mode"] = "outer"

    def wrapped(config):
        _layers_of(config)[1]["config"]["layer"] = _layer("Dense", units=10)
    for edit, match in ((merge, "'merge_mode' to a value"),
                        (wrapped, "wraps a layer that is not SimpleRNN")):
        with pytest.raises(ModelRefused, match=match):
            check_archive(_with_config(path, tmp_path / "edited.keras", edit), ModelCaps())


def test_one_hot_encodings_are_permitted_within_the_vocabulary_cap(tmp_path: Path) -> None:
    for tokens, refused in ((47, False), (50_001, True)):
        model = _sequential(_layer("InputLayer", batch_shape=[None, 40], dtype="int32"),
                            _layer("CategoryEncoding", num_tokens=tokens, output_mode="one_hot"),
                            _layer("LSTM", units=4), _layer("Dense", units=47))
        path = _archive(tmp_path / f"{tokens}.keras", model)
        if refused:
            with pytest.raises(ModelRefused, match="CategoryEncoding layer encodes 50,001"):
                check_archive(path, ModelCaps())
        else:
            assert check_archive(path, ModelCaps()).steps == 40


def _with_weights(path: Path, out: Path, edit) -> Path:
    """The archive at `path` with its model.weights.h5 rewritten by `edit(h5py.File)`."""
    import h5py

    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    buffer = io.BytesIO(members["model.weights.h5"])
    with h5py.File(buffer, "a") as weights:
        edit(weights)
    members["model.weights.h5"] = buffer.getvalue()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out


def _dense_kernel(weights) -> str:
    return next(name for name in _dataset_names(weights) if "time_distributed" in name
                and name.endswith("vars/0"))


def _dataset_names(weights) -> list[str]:
    import h5py

    names = []
    weights.visititems(lambda name, item: names.append(name)
                       if isinstance(item, h5py.Dataset) else None)
    return names


def test_a_weights_dataset_far_larger_than_the_config_is_refused_unread(tmp_path: Path,
                                                                        monkeypatch) -> None:
    # 1 GiB declared, a few KB stored (chunks never written read as the fill value): Keras
    # reads it whole before it compares shapes, and its own guard starts at 4 GiB.
    def bomb(weights):
        name = _dense_kernel(weights)
        del weights[name]
        weights.create_dataset(name, shape=(2**28,), dtype="float32", chunks=(2**20,),
                               compression="gzip")
    path = _with_weights(_solution_archive(tmp_path), tmp_path / "bomb.keras", bomb)
    assert path.stat().st_size < 3_000_000
    _never_built(monkeypatch)
    start = time.perf_counter()
    with pytest.raises(StudentCodeError, match="a dataset of 268,435,456 values, more than the "
                                               "largest weight its configuration declares"):
        ExportedModel(path, "file").load()
    assert time.perf_counter() - start < 1


@pytest.mark.parametrize("change,match", [
    ("shape", "whose shape is not that of any weight"),
    ("strings", "not an array of numbers"),
    ("soft-link", "links to other files or paths"),
    ("external-link", "links to other files or paths"),
    ("attribute", "attributes Keras does not write"),
    ("copies", "more than 5 times the"),
])
def test_a_weights_file_that_is_not_what_the_config_declares_is_refused(tmp_path: Path,
                                                                        change: str,
                                                                        match: str) -> None:
    import h5py

    def edit(weights):
        name = _dense_kernel(weights)
        if change == "shape":  # one input more than the decoder gives
            del weights[name]
            weights[name] = np.zeros((129, 12), dtype="float32")
        elif change == "strings":
            del weights[name]
            weights[name] = np.array([b"x" * 10] * 12)
        elif change == "soft-link":
            del weights[name]
            weights[name] = h5py.SoftLink("/layers")
        elif change == "external-link":
            del weights[name]
            weights[name] = h5py.ExternalLink("/etc/passwd", "/")
        elif change == "attribute":
            weights[name].attrs["note"] = "x"
        else:  # the largest weight, many times over
            group = weights.create_group("extra")
            largest = max((weights[n] for n in _dataset_names(weights)),
                          key=lambda d: d.size)
            for i in range(16):
                group.create_dataset(str(i), shape=largest.shape, dtype="float32")
    path = _with_weights(_solution_archive(tmp_path), tmp_path / f"{change}.keras", edit)
    with pytest.raises(ModelRefused, match=match):
        check_archive(path, ModelCaps())


def test_weights_kept_in_npz_are_refused(tmp_path: Path) -> None:
    path = _archive(tmp_path / "npz.keras", _sequential(_input(4), _layer("Dense", units=1)),
                    extra={"model.weights.npz": b"PK"})
    with pytest.raises(ModelRefused, match="model.weights.npz"):
        check_archive(path, ModelCaps())


# --- the check library's parameter messages ---------------------------------------------------

def test_a_parameter_mismatch_names_the_layer_as_declared_and_the_term() -> None:
    # An encoder that reads 13 numbers per step where the check expects 12 one-hot symbols.
    net = keras.Sequential([keras.Input((7, 13)),
                            keras.layers.Bidirectional(keras.layers.LSTM(8)),
                            keras.layers.RepeatVector(4),
                            keras.layers.GRU(8, return_sequences=True, reset_after=False),
                            keras.layers.TimeDistributed(keras.layers.Dense(12))])
    with pytest.raises(lib.CheckFailed) as failed:
        lib.expect_params(net, lib.layers(net), 12, "the model", " and 12 inputs per step")
    message = str(failed.value)
    assert "its Bidirectional(LSTM(8)) has" in message
    assert "in the input kernel term where the formula gives 768 (two directions of 12 " \
           "inputs x 4 gates x 8 units)" in message
    # the same model reading 13 is the formula's, reset_after=False included
    lib.expect_params(net, lib.layers(net), 13, "the model")
    assert lib.declared(lib.layers(net)[2]) == "GRU(8, return_sequences=True, reset_after=False)"


def test_a_layer_reading_more_than_the_formula_says_is_named() -> None:
    # Dense after a recurrent layer that returns sequences and a Flatten the formula skips.
    net = keras.Sequential([keras.Input((5, 1)),
                            keras.layers.SimpleRNN(4, return_sequences=True),
                            keras.layers.Reshape((20,)), keras.layers.Dense(1, use_bias=False)])
    with pytest.raises(lib.CheckFailed, match=r"its Dense\(1, use_bias=False\) has more than 4 "
                                              r"weights in the input kernel term where the "
                                              r"formula gives 4 \(4 inputs x 1 unit\)"):
        lib.expect_params(net, lib.layers(net), 1, "the model")


def test_a_compressed_weights_file_is_checked_too(tmp_path: Path) -> None:
    # Keras stores members uncompressed; a zip tool may deflate them, which is no mistake.
    path = _solution_archive(tmp_path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    deflated = tmp_path / "deflated.keras"
    with zipfile.ZipFile(deflated, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    assert check_archive(deflated, ModelCaps()).parameters == 205_324
    bad = _with_weights(deflated, tmp_path / "bad.keras", lambda weights: weights.create_dataset(
        "extra", shape=(10**9,), dtype="float32", chunks=(2**20,)))
    with pytest.raises(ModelRefused, match="1,000,000,000 values"):
        check_archive(bad, ModelCaps())
