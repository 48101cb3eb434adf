"""The trust boundary: what the student's process exports is read back as data, never code."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from autograder.boundary import Artefacts, StudentCodeError
from autograder.sandbox.exporter import export


class AlwaysEqual:
    """What a cheater returns: equal to everything, with a convincing shape."""

    shape = (1, 6, 5)
    dtype = np.float32

    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


def exported(tmp_path: Path, probes: list[dict], namespace: dict) -> Artefacts:
    export(probes, str(tmp_path), namespace)
    return Artefacts(tmp_path)


def test_values_round_trip_with_their_python_types(tmp_path: Path) -> None:
    namespace = {"f": lambda: (["a", "b"], {0: "x", 1: "y"}, np.arange(3, dtype=np.int32), "é", 2)}
    art = exported(tmp_path, [{"name": "r", "call": "f", "args": []}], namespace)
    result = art.get("r")
    assert result.pytype == "builtins.tuple"
    letters, table, numbers, text, count = result.value
    assert letters == ["a", "b"] and table == {0: "x", 1: "y"} and text == "é" and count == 2
    assert numbers.dtype == np.int32 and numbers.tolist() == [0, 1, 2]


def test_arguments_are_rebuilt_as_arrays_and_int_keyed_dicts(tmp_path: Path) -> None:
    seen = {}
    namespace = {"f": lambda a, d: seen.update(a=a, d=d)}
    probe = {"name": "r", "call": "f",
             "args": [{"__array__": [[1, 2]], "dtype": "int64"}, {"__dict_items__": [[0, "a"]]}]}
    exported(tmp_path, [probe], namespace)
    assert seen["a"].dtype == np.int64 and seen["a"].shape == (1, 2)
    assert seen["d"] == {0: "a"}


def test_an_always_equal_object_is_refused_not_compared(tmp_path: Path) -> None:
    art = exported(tmp_path, [{"name": "r", "global": "x"}], {"x": AlwaysEqual()})
    with pytest.raises(StudentCodeError, match="not a number, string or array"):
        art.get("r")


def test_exceptions_in_student_code_are_recorded(tmp_path: Path) -> None:
    def broken():
        raise KeyError("z")

    art = exported(tmp_path, [{"name": "r", "call": "broken"}, {"name": "m", "call": "missing"}],
                   {"broken": broken})
    assert art.raised("r") == ("KeyError", "'z'")
    with pytest.raises(StudentCodeError, match="NameError"):
        art.get("m")


def test_pickled_arrays_are_never_loaded(tmp_path: Path) -> None:
    np.save(tmp_path / "r.npy", np.array([object()], dtype=object), allow_pickle=True)
    (tmp_path / "manifest.json").write_text(json.dumps(
        {"r": {"result": {"type": "numpy.ndarray", "array": "r.npy"}}}))
    with pytest.raises(StudentCodeError, match="could not be read safely"):
        Artefacts(tmp_path).get("r")


def test_files_outside_the_export_folder_are_refused(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    np.save(tmp_path / "secret.npy", np.zeros(2))
    (tmp_path / "out" / "manifest.json").write_text(json.dumps(
        {"r": {"result": {"type": "numpy.ndarray", "array": "../secret.npy"}}}))
    with pytest.raises(StudentCodeError, match="corrupt"):
        Artefacts(tmp_path / "out").get("r")


def test_a_failed_run_explains_itself_for_every_probe(tmp_path: Path) -> None:
    art = Artefacts(tmp_path, failure="the notebook did not finish within 10 s")
    with pytest.raises(StudentCodeError, match="within 10 s"):
        art.get("anything")


def test_corrupt_manifests_are_reported(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_bytes(b"\xff\xfe not json")
    with pytest.raises(StudentCodeError, match="corrupt"):
        Artefacts(tmp_path).get("r")


SECRET = "a hidden review the student's code was given"


def test_what_the_student_code_raised_is_named_by_its_class_only(tmp_path: Path) -> None:
    def echo(text):
        raise ValueError(text)

    probes = [{"name": "r", "call": "echo", "args": [SECRET]}]
    export(probes, str(tmp_path), {"echo": echo})
    art = Artefacts(tmp_path, probes=probes)
    with pytest.raises(StudentCodeError) as info:
        art.get("r")
    assert str(info.value) == "echo raised ValueError"
    assert art.raised("r")[0] == "ValueError"


def test_a_class_named_by_the_student_code_is_not_shown(tmp_path: Path) -> None:
    def echo(text):
        raise type(text, (ValueError,), {})()

    def wrapped(text):
        return type(text, (), {})()

    namespace = {"echo": echo, "wrapped": wrapped}
    art = exported(tmp_path, [{"name": "r", "call": "echo", "args": [SECRET]},
                              {"name": "w", "call": "wrapped", "args": [SECRET]}], namespace)
    assert art.raised("r")[0] == "an exception of a class of its own"
    for name in ("r", "w"):
        with pytest.raises(StudentCodeError) as info:
            art.get(name)
        assert SECRET not in str(info.value)
    with pytest.raises(StudentCodeError, match="not a number, string or array"):
        art.get("w")


def test_a_missing_function_or_variable_is_named_from_the_probe(tmp_path: Path) -> None:
    probes = [{"name": "f", "call": "decode", "args": []}, {"name": "v", "global": "model"}]
    export(probes, str(tmp_path), {})
    art = Artefacts(tmp_path, probes=probes)
    for name, missing in (("f", "decode"), ("v", "model")):
        with pytest.raises(StudentCodeError, match=f"does not define {missing}"):
            art.get(name)


def test_structured_arrays_are_refused(tmp_path: Path) -> None:
    np.save(tmp_path / "r.npy", np.zeros(2, dtype=[(SECRET, "i8")]))
    (tmp_path / "manifest.json").write_text(json.dumps(
        {"r": {"result": {"type": "numpy.ndarray", "array": "r.npy"}}}))
    with pytest.raises(StudentCodeError, match="could not be read safely"):
        Artefacts(tmp_path).get("r")


def test_a_notebook_variable_missing_as_an_argument_is_named(tmp_path: Path) -> None:
    probes = [{"name": "f", "call": "build", "args": [{"__global__": "UNITS"}]}]
    export(probes, str(tmp_path), {"build": lambda units: units})
    with pytest.raises(StudentCodeError, match="does not define UNITS"):
        Artefacts(tmp_path, probes=probes).get("f")


class RefusesConversion:
    """A value whose conversion to an array raises: the export fails, not the student's call."""

    def __array__(self, *args, **kwargs):
        raise ValueError(SECRET)


def test_a_value_the_exporter_cannot_convert_is_not_a_raised_error(tmp_path: Path) -> None:
    probes = [{"name": "r", "call": "f", "args": []}, {"name": "g", "global": "x"}]
    export(probes, str(tmp_path), {"f": RefusesConversion, "x": RefusesConversion()})
    art = Artefacts(tmp_path, probes=probes)
    for name, said in (("r", "f returned an object of a class of its own"),
                       ("g", "the notebook's x is an object of a class of its own")):
        assert art.raised(name) is None  # a check of a raised error must not pass
        with pytest.raises(StudentCodeError) as info:
            art.get(name)
        assert said in str(info.value) and "raised ValueError" in str(info.value)
        assert SECRET not in str(info.value)


@pytest.mark.parametrize("beside,says", [
    ({}, "no addition_model.keras was submitted next to the notebook: run the training cell"),
    ({"model.h5": b"x", "notes.txt": b"x", "best.keras": b"x"},
     "(the folder holds best.keras, model.h5: the grader reads only addition_model.keras)"),
    ({"addition_model.keras": "link"}, "the addition_model.keras handed in is a link, which "
                                       "the grader does not follow"),
])
def test_a_missing_saved_model_names_what_was_handed_in(tmp_path: Path, beside: dict,
                                                        says: str) -> None:
    from autograder.discovery import Submission
    from autograder.grading import copy_saved_files

    folder = tmp_path / "ada" / "addition"
    folder.mkdir(parents=True)
    (folder / "addition.ipynb").write_text("{}")
    for name, content in beside.items():
        if content == "link":
            (tmp_path / "elsewhere.keras").write_bytes(b"PK")
            (folder / name).symlink_to(tmp_path / "elsewhere.keras")
        else:
            (folder / name).write_bytes(content)
    saved = copy_saved_files(Submission("ada", "addition", folder / "addition.ipynb"),
                             "addition", tmp_path / "saved")
    with pytest.raises(StudentCodeError) as raised:
        Artefacts(tmp_path / "export", saved=saved).saved_file("addition_model.keras")
    assert says in str(raised.value)
