"""The trust boundary: typed, validated loaders for what a student's process exported.

Nothing here runs student code. Results are rebuilt from JSON and ``.npy`` files (pickles
refused); models are loaded by Keras in safe mode, which refuses Lambda layers and unknown
custom objects, so a crafted archive cannot run code in the trusted process.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MAX_MANIFEST_BYTES = 5_000_000
MAX_ARRAY_BYTES = 200_000_000
MAX_MODEL_BYTES = 200_000_000


class StudentCodeError(Exception):
    """A probe could not produce a value: the student's code raised, or exported unusable data."""


@dataclass(frozen=True)
class ExportedModel:
    """A model file the student's process saved; `load()` opens it safely."""

    path: Path
    pytype: str

    def load(self) -> Any:
        """Load the model in Keras safe mode (no deserialised code runs)."""
        import keras

        if self.path.stat().st_size > MAX_MODEL_BYTES:
            raise StudentCodeError("the saved model file is too large to grade")
        try:
            return keras.saving.load_model(self.path, compile=False, safe_mode=True)
        except Exception as exc:  # corrupt archive, Lambda layer, custom object...
            raise StudentCodeError(
                "the saved model could not be loaded safely "
                f"({type(exc).__name__}: {str(exc)[:300]}); use only built-in Keras layers"
            ) from exc


@dataclass(frozen=True)
class Value:
    """A value exported from the student's process, with the Python type it had there."""

    value: Any
    pytype: str


class Artefacts:
    """What one submission's process exported, read through the trust boundary."""

    def __init__(self, directory: Path, failure: str | None = None,
                 saved: Path | None = None) -> None:
        self.directory = Path(directory)
        self.failure = failure  # why there is nothing to read (timeout, crash...), if so
        self.saved = None if saved is None else Path(saved)  # the grader's copies of saved files
        self._manifest: dict[str, Any] | None = None

    def saved_file(self, filename: str) -> ExportedModel:
        """A file the student submitted next to the notebook (a trained model), as the grader
        copied it before the notebook ran; StudentCodeError if it was not submitted."""
        path = None if self.saved is None else self.saved / filename
        if path is None or not path.is_file():
            raise StudentCodeError(
                f"no {filename} was submitted next to the notebook: run the training cell, "
                "which saves it, and hand it in with the notebook")
        return ExportedModel(path, "file")

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
            raise StudentCodeError(
                f"{error.get('type', 'Error')}: {str(error.get('message', ''))[:500]}"
            )
        return self._decode(entry.get("result"))

    def raised(self, name: str) -> tuple[str, str] | None:
        """(exception type, message) if probe `name` raised in the student's code, else None."""
        entry = self._entries().get(name)
        if isinstance(entry, dict) and isinstance(entry.get("error"), dict):
            return str(entry["error"].get("type", "")), str(entry["error"].get("message", ""))
        return None

    def _decode(self, data: Any) -> Value:
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            raise StudentCodeError("the notebook's exported results are corrupt")
        pytype = data["type"]
        if "json" in data:
            return Value(data["json"], pytype)
        if "items" in data:
            items = [self._decode(item).value for item in data["items"]]
            return Value(tuple(items) if pytype == "builtins.tuple" else items, pytype)
        if "pairs" in data:
            pairs = {}
            for key, val in data["pairs"]:
                k = self._decode(key).value
                if isinstance(k, list):
                    raise StudentCodeError("a dictionary key is not a plain value")
                pairs[k] = self._decode(val).value
            return Value(pairs, pytype)
        if "array" in data:
            return Value(self._load_array(data["array"]), pytype)
        if "model" in data:
            return Value(ExportedModel(self._inside(data["model"]), pytype), pytype)
        if "unsupported" in data:
            raise StudentCodeError(
                f"returned a {pytype.rsplit('.', 1)[-1]} holding {data['unsupported']}, "
                "which is not a number, string or array"
            )
        raise StudentCodeError("the notebook's exported results are corrupt")

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
            return np.load(path, allow_pickle=False)
        except ValueError as exc:
            raise StudentCodeError("an exported array could not be read safely") from exc
