"""The trust boundary: typed, validated loaders for what a student's process exported.

Nothing here runs student code. Results are rebuilt from JSON and ``.npy`` files (pickles
refused); models are loaded by Keras in safe mode, which refuses Lambda layers and unknown
custom objects, so a crafted archive cannot run code in the trusted process.

Every text in the export is the student's (their code can raise any message, name a class
anything, even patch the exporter), and their code sees the hidden inputs. So what is said about
an export never quotes its text: an exception is named by its class, and a class only when it
is one of the few the kit may show (the choice among many names would itself carry bits).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autograder import model_caps
from course_config import ModelCaps

MAX_MANIFEST_BYTES = 5_000_000
MAX_ARRAY_BYTES = 200_000_000
MAX_MODEL_BYTES = 200_000_000
DEFAULT_MODEL_CAPS = ModelCaps()
"""What a model may declare unless its checks say otherwise (onehot, windows and addition)."""


class StudentCodeError(Exception):
    """A probe could not produce a value: the student's code raised, or exported unusable data."""


class StudentCodeRaised(StudentCodeError):
    """The student's code ran on the probe's input and raised: it was checked, and failed."""


# The classes a message may name: the few a notebook's code usually raises or returns. A class
# can be given any name, and the choice among many known names carries bits of whatever the
# code saw, so each list is short: 13 exceptions, 14 kinds of value (and numpy's scalars as one),
# everything else a description. A message then takes at most 16 forms for the class (4 bits).
_EXCEPTION_NAMES = frozenset({
    "ValueError", "TypeError", "KeyError", "IndexError", "AttributeError", "NameError",
    "UnboundLocalError", "ZeroDivisionError", "AssertionError", "RuntimeError",
    "NotImplementedError", "RecursionError", "InvalidArgumentError",
})
_VALUE_NAMES = frozenset({
    "list", "tuple", "dict", "set", "str", "int", "float", "generator", "function", "ndarray",
    "EagerTensor", "Tensor", "DataFrame", "Series",
})
_NUMPY_SCALARS = frozenset({
    "bool_", "str_", "bytes_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
    "uint64", "float16", "float32", "float64", "longdouble", "datetime64", "timedelta64",
})


def known_name(name: str, exception: bool = False) -> str | None:
    """`name` (of a class the student's process reported) if a message may show it, else None:
    one of a few usual exceptions (`exception`) or kinds of value, never a name of the
    student's choosing (see the lists above)."""
    if isinstance(name, str) and name in (_EXCEPTION_NAMES if exception else _VALUE_NAMES):
        return name
    return None


def a_class(name: str, kind: str = "object") -> str:
    """'a list', 'an EagerTensor', 'a numpy scalar', or 'an object of a class of its own' for
    any other class."""
    if name in _NUMPY_SCALARS:
        return "a numpy scalar"
    shown = known_name(name) or f"{kind} of a class of its own"
    return f"{'an' if shown[0] in 'AEIOUaeiou' else 'a'} {shown}"


def _exception(kind: str) -> str:
    """An exception's class as a message may say it: 'ValueError', or a description."""
    return known_name(kind, exception=True) or "an exception of a class of its own"


@dataclass(frozen=True)
class ExportedModel:
    """A model file the student's process saved; `load()` opens it safely."""

    path: Path
    pytype: str

    def load(self, caps: ModelCaps = DEFAULT_MODEL_CAPS) -> Any:
        """Load the model in Keras safe mode (no deserialised code runs), once its configuration
        is known to stay within `caps`: a model over them is never built."""
        import keras

        if self.path.stat().st_size > MAX_MODEL_BYTES:
            raise StudentCodeError("the saved model file is too large to grade")
        try:
            model_caps.check_archive(self.path, caps)
        except model_caps.ModelRefused as exc:
            raise StudentCodeError(str(exc)) from None
        try:
            return keras.saving.load_model(self.path, compile=False, safe_mode=True)
        except Exception as exc:  # corrupt archive, Lambda layer, custom object...
            # Keras quotes the archive's configuration (layer names...). A file handed in was
            # made before grading; a model the notebook exported may hold text its code built
            # from a hidden input, so only the exception's class is said.
            detail = f": {str(exc)[:300]}" if self.pytype == "file" else ""
            raise StudentCodeError(
                "the saved model could not be loaded safely "
                f"({type(exc).__name__}{detail}); use only built-in Keras layers"
            ) from exc


HANDED_IN = "handed-in.json"
"""Written by the grader beside its copies of the saved files when one was not copied: why
(missing, a link, too large) and the other model-like files the folder held, to name them."""
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5", ".pb", ".tflite", ".pt", ".pkl", ".joblib", ".zip")


def absent_message(filename: str, note: dict) -> str:
    """What a missing saved file's message says, from the grader's `HANDED_IN` note."""
    why = note.get("absent", {}).get(filename)
    if isinstance(why, str):
        return f"the {filename} handed in {why}: hand in the file the training cell saved"
    others = note.get("others", [])  # escaped and bounded by the grader that wrote them
    found = (f" (the folder holds {', '.join(others)}: the grader reads only {filename})"
             if others else "")
    return (f"no {filename} was submitted next to the notebook{found}: run the training cell, "
            "which saves it, and hand it in with the notebook")


@dataclass(frozen=True)
class Value:
    """A value exported from the student's process, with the Python type it had there."""

    value: Any
    pytype: str


class Artefacts:
    """What one submission's process exported, read through the trust boundary."""

    def __init__(self, directory: Path, failure: str | None = None,
                 saved: Path | None = None, probes: list[dict] | None = None) -> None:
        self.directory = Path(directory)
        self.failure = failure  # why there is nothing to read (timeout, crash...), if so
        self.saved = None if saved is None else Path(saved)  # the grader's copies of saved files
        self._probes = {p["name"]: p for p in probes or ()}  # to name what a probe called
        self._manifest: dict[str, Any] | None = None

    def saved_file(self, filename: str) -> ExportedModel:
        """A file the student submitted next to the notebook (a trained model), as the grader
        copied it before the notebook ran; StudentCodeError if it was not submitted."""
        path = None if self.saved is None else self.saved / filename
        if path is None or not path.is_file():
            raise StudentCodeError(absent_message(filename, self._handed_in()))
        return ExportedModel(path, "file")

    def _handed_in(self) -> dict:
        note = None if self.saved is None else self.saved / HANDED_IN
        try:
            data = json.loads(note.read_text(encoding="utf-8")) if note else {}
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _entries(self) -> dict[str, Any]:
        if self._manifest is None:
            path = self.directory / "manifest.json"
            if self.failure or not path.is_file():
                self._manifest = {}
            elif path.stat().st_size > MAX_MANIFEST_BYTES:
                raise StudentCodeError("the notebook exported more data than the grader accepts")
            else:
                try:
                    manifest = json.loads(path.read_text(encoding="utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                    raise StudentCodeError("the notebook's exported results are corrupt") from exc
                self._manifest = manifest if isinstance(manifest, dict) else {}
        return self._manifest

    def get(self, name: str) -> Value:
        """The exported value of probe `name`, or StudentCodeError saying why there is none."""
        entries = self._entries()
        if name not in entries:
            raise StudentCodeError(self.failure or "the notebook did not finish running")
        entry = entries[name]
        if not isinstance(entry, dict):
            raise StudentCodeError("the notebook's exported results are corrupt")
        if "error" in entry:
            error = entry["error"] if isinstance(entry["error"], dict) else {}
            self._raise_for(name, str(error.get("type", "")), str(error.get("message", "")))
        return self._decode(entry.get("result"), name)

    def raised(self, name: str) -> tuple[str, str] | None:
        """(class, message) of what probe `name` raised in the student's code, else None.

        The class is as the kit may show it (`known_name`, or a description); the message is the
        student's text, which a check may test but never show.
        """
        entry = self._entries().get(name)
        if isinstance(entry, dict) and isinstance(entry.get("error"), dict):
            kind = str(entry["error"].get("type", ""))
            return _exception(kind), str(entry["error"].get("message", ""))
        return None

    def _subject(self, name: str) -> str:
        """What probe `name` asked of the notebook, in the kit's words."""
        probe = self._probes.get(name, {})
        if "call" in probe:
            return str(probe["call"])
        if "global" in probe:
            return f"the notebook's {probe['global']}"
        return "the code"

    def _raise_for(self, name: str, kind: str, message: str) -> None:
        """Why probe `name` has no value, naming the exception's class, never its message."""
        probe = self._probes.get(name, {})
        names = [probe.get("call", probe.get("global")),
                 *(arg["__global__"] for arg in probe.get("args", [])
                   if isinstance(arg, dict) and "__global__" in arg)]
        for missing in names:  # the exporter's own words for a name the notebook lacks
            if kind == "NameError" and message == f"name '{missing}' is not defined":
                raise StudentCodeError(
                    f"the notebook does not define {missing} (did its cell run?)")
        raise StudentCodeRaised(f"{self._subject(name)} raised {_exception(kind)}")

    def _decode(self, data: Any, name: str) -> Value:
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            raise StudentCodeError("the notebook's exported results are corrupt")
        pytype = data["type"]
        if "json" in data:
            return Value(data["json"], pytype)
        if "items" in data:
            items = [self._decode(item, name).value for item in data["items"]]
            return Value(tuple(items) if pytype == "builtins.tuple" else items, pytype)
        if "pairs" in data:
            pairs = {}
            for key, val in data["pairs"]:
                k = self._decode(key, name).value
                if isinstance(k, list):
                    raise StudentCodeError("a dictionary key is not a plain value")
                pairs[k] = self._decode(val, name).value
            return Value(pairs, pytype)
        if "array" in data:
            return Value(self._load_array(data["array"]), pytype)
        if "model" in data:
            return Value(ExportedModel(self._inside(data["model"]), pytype), pytype)
        if "unsupported" in data:
            raise StudentCodeError(self._returned(name, pytype, "which is not a number, string "
                                                                "or array"))
        if "unexportable" in data:
            # The function returned; the exporter could not turn its value into data. Only the
            # class of what the conversion raised is said (the value's own code may raise it).
            raise StudentCodeError(self._returned(
                name, pytype, "which the grader could not turn into data (converting it raised "
                              f"{_exception(str(data['unexportable']))})"))
        raise StudentCodeError("the notebook's exported results are corrupt")

    def _returned(self, name: str, pytype: str, why: str) -> str:
        """What probe `name` gave, a value of class `pytype` that cannot be graded, and `why`."""
        what = f"{a_class(pytype.rsplit('.', 1)[-1])}, {why}"
        probe = self._probes.get(name, {})
        return (f"the notebook's {probe['global']} is {what}" if "global" in probe
                else f"{self._subject(name)} returned {what}")

    def _inside(self, filename: Any) -> Path:
        path = (self.directory / str(filename)).resolve()
        if path.parent != self.directory.resolve() or not path.is_file():
            raise StudentCodeError("the notebook's exported results are corrupt")
        return path

    def _load_array(self, filename: Any) -> np.ndarray:
        path = self._inside(filename)
        if path.stat().st_size > MAX_ARRAY_BYTES:
            raise StudentCodeError("an exported array is too large to grade")
        try:
            array = np.load(path, allow_pickle=False)
        except ValueError as exc:
            raise StudentCodeError("an exported array could not be read safely") from exc
        # The exporter writes only these kinds; a structured dtype would carry the student's
        # field names into every message that shows a dtype.
        if array.dtype.kind not in "biufU":
            raise StudentCodeError("an exported array could not be read safely")
        return array
