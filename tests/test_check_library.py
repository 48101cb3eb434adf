"""The check library agrees with Keras itself, and loads student models safely."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

import course_config
from autograder.boundary import Artefacts, ExportedModel, StudentCodeError
from autograder.checks import assignment_checks, lib
from autograder.sandbox.exporter import export


@pytest.mark.parametrize("layer", [keras.layers.SimpleRNN, keras.layers.LSTM, keras.layers.GRU])
@pytest.mark.parametrize("inputs,units", [(5, 8), (12, 128), (1, 32)])
def test_recurrent_formulas_match_keras(layer, inputs: int, units: int) -> None:
    model = keras.Sequential([keras.Input((None, inputs)), layer(units)])
    assert lib.recurrent_params(layer.__name__, inputs, units) == model.count_params()


def test_stack_formula_covers_wrappers_and_embeddings() -> None:
    model = keras.Sequential([
        keras.Input((None,), dtype="int32"),
        keras.layers.Embedding(100, 16),
        keras.layers.Bidirectional(keras.layers.LSTM(8, return_sequences=True)),
        keras.layers.Dropout(0.1),
        keras.layers.TimeDistributed(keras.layers.Dense(4, activation="softmax")),
    ])
    assert lib.sequential_params(model, inputs=100) == model.count_params()



def test_reference_counts_from_the_course() -> None:
    assert lib.recurrent_params("SimpleRNN", 5, 8) + lib.dense_params(8, 5) == 157
    # seq2seq addition, 128 units, 12 symbols: encoder + decoder + per-step Dense
    for kind, total in (("SimpleRNN", 52_492), ("GRU", 155_148), ("LSTM", 205_324)):
        assert (lib.recurrent_params(kind, 12, 128) + lib.recurrent_params(kind, 128, 128)
                + lib.dense_params(128, 12)) == total


def _exported_model(tmp_path: Path, model: keras.Model) -> Artefacts:
    export([{"name": "m", "global": "m"}], str(tmp_path), {"m": model})
    return Artefacts(tmp_path)


def test_models_round_trip_through_safe_loading(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((None, 3)), keras.layers.GRU(4, return_sequences=True),
                              keras.layers.Dense(3, activation="softmax")])
    loaded = lib.model(_exported_model(tmp_path, model), "m", "the model")
    assert lib.output_shape(loaded) == (None, None, 3)
    assert [lib.layer_kind(layer) for layer in lib.layers(loaded)] == ["GRU", "Dense"]
    assert lib.final_activation(loaded) == "softmax"


def test_a_lambda_layer_is_refused_without_running_it(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda x: x * 2)])
    with pytest.raises(StudentCodeError, match="could not be loaded safely"):
        lib.model(_exported_model(tmp_path, model), "m", "the model")


def test_a_missing_or_corrupt_saved_model_is_reported(tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    saved.mkdir()
    art = Artefacts(tmp_path, saved=saved)
    with pytest.raises(StudentCodeError, match="no model.keras was submitted"):
        lib.saved_model(art, "model.keras", "the model")
    (saved / "model.keras").write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(StudentCodeError, match="could not be loaded safely"):
        lib.saved_model(art, "model.keras", "the model")


class _Failing:
    """A model whose call fails with words that quote its input, as TensorFlow's may."""

    inputs = (np.zeros((0, 4, 3)),)

    def __call__(self, x, training=False):
        raise ValueError(f"secret input {x.tolist()}")


def test_a_model_error_does_not_quote_keras() -> None:
    with pytest.raises(lib.CheckFailed) as info:
        lib.predict(_Failing(), np.full((1, 4, 5), 7.0, dtype=np.float32))
    assert str(info.value) == ("the model cannot read inputs of shape (1, 4, 5) (ValueError); "
                               "it declares inputs of shape (0, 4, 3)")


def test_keras_words_are_quoted_for_handed_in_files_only(tmp_path: Path, monkeypatch) -> None:
    def refuse(path, **kwargs):
        raise ValueError("config={'name': 'secret_name'}")

    # a real archive, so that Keras (not the caps on its configuration) is the one to refuse
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]).save(tmp_path / "m.keras")
    monkeypatch.setattr(keras.saving, "load_model", refuse)
    for pytype, quoted in (("file", True), ("keras.src.models.sequential.Sequential", False)):
        with pytest.raises(StudentCodeError, match="could not be loaded safely") as info:
            ExportedModel(tmp_path / "m.keras", pytype).load()
        assert ("secret_name" in str(info.value)) == quoted


def test_raised_messages_are_tested_never_shown(tmp_path: Path) -> None:
    def encode(text):
        raise ValueError(f"unknown {text}")

    probes = [{"name": "r", "call": "encode", "args": ["secret q"]}]
    export(probes, str(tmp_path), {"encode": encode})
    art = Artefacts(tmp_path, probes=probes)
    lib.expect_raises(art, "r", "ValueError", "encode", naming=("q", "the character"))
    with pytest.raises(lib.CheckFailed) as info:
        lib.expect_raises(art, "r", "ValueError", "encode", naming=("z", "the character"))
    assert "secret" not in str(info.value)
    with pytest.raises(lib.CheckFailed) as info:
        lib.expect_raises(art, "r", "KeyError", "encode")
    assert str(info.value) == "encode should raise KeyError; it raised ValueError"


@pytest.mark.parametrize("got,said", [
    (None, "None"), (True, "True"), (7, "7"), (2.5, "a float"), (10**30, "an int"),
    ("secret", "a string of 6 characters"), (["secret"], "a list of 1 item"),
    (np.zeros((2, 3)), "an array of shape (2, 3)"),
])
def test_describe_says_type_and_size_not_content(got, said: str) -> None:
    assert lib.describe(got) == said


@pytest.mark.parametrize("assignment", list(course_config.ASSIGNMENTS))
def test_every_check_answers_the_two_questions(assignment: str) -> None:
    """Beside every check: which correct code written differently could fail it, and the
    cheapest wrong code that could pass it, each answered in a sentence or more."""
    module = assignment_checks(assignment)
    for name in dir(module):
        if name.startswith("test_"):
            marker = getattr(module, name).pytestmark[0].kwargs
            for question in ("differently", "cheapest_wrong"):
                answer = marker.get(question) or ""
                assert len(answer) > 40, f"{assignment}: {name} does not answer {question}"
