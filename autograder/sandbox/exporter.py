"""Runs inside the student's kernel: evaluates declared probes and writes their results as data.

This file is sent to the kernel as source text, so it imports nothing from the kit. What it
writes is only ever JSON, ``.npy`` files (no pickles) and Keras ``.keras`` archives; the trusted
side reads them back with `autograder.boundary`, which never runs code from them.
"""

import json
import os
import traceback

import numpy as np

MAX_TEXT = 100_000  # characters kept of any string result


def _encode_arg(value):
    """Turn a JSON-tagged probe argument back into the Python value the student's function gets."""
    if isinstance(value, dict) and "__array__" in value:
        return np.asarray(value["__array__"], dtype=value.get("dtype"))
    if isinstance(value, dict) and "__dict_items__" in value:
        return {k: v for k, v in value["__dict_items__"]}
    if isinstance(value, dict) and "__tuple__" in value:
        return tuple(_encode_arg(v) for v in value["__tuple__"])
    if isinstance(value, dict) and "__global__" in value:
        if value["__global__"] not in _GLOBALS:
            if "__else__" in value:  # what to use when the notebook never defined it
                return _encode_arg(value["__else__"])
            raise NameError(f"name '{value['__global__']}' is not defined")
        return _GLOBALS[value["__global__"]]
    if isinstance(value, dict) and "__call__" in value:  # a notebook function's result,
        key = json.dumps(value, sort_keys=True)  # made once: every probe gets the same object
        if key not in _CALLED:
            func = _GLOBALS.get(value["__call__"])
            if func is None:
                raise NameError(f"name '{value['__call__']}' is not defined")
            _CALLED[key] = func(*_encode_arg(value.get("args", [])))
        return _CALLED[key]
    if isinstance(value, dict):
        return {k: _encode_arg(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode_arg(v) for v in value]
    return value


def _pytype(value):
    """'module.Class' of `value` (a class can fake its names, so this may fail: then 'object')."""
    try:
        kind = type(value)
        return f"{kind.__module__}.{kind.__qualname__}"
    except Exception:
        return "builtins.object"


def _to_data(value, outdir, name):
    """Describe `value` as plain data; arrays go to .npy files, models to .keras archives."""
    kind = type(value)
    pytype = _pytype(value)
    if value is None or kind in (bool, int, float):
        return {"type": pytype, "json": value}
    if kind is str:
        return {"type": pytype, "json": value[:MAX_TEXT]}
    if kind in (list, tuple):
        return {"type": pytype,
                "items": [_to_data(v, outdir, f"{name}.{i}") for i, v in enumerate(value)]}
    if kind is dict:
        return {"type": pytype,
                "pairs": [[_to_data(k, outdir, f"{name}.k{i}"), _to_data(v, outdir, f"{name}.v{i}")]
                          for i, (k, v) in enumerate(value.items())]}
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return {"type": pytype, "json": value.item(), "dtype": str(value.dtype)}
    if _is_keras_model(value):
        path = os.path.join(outdir, f"{name}.keras")
        value.save(path)
        return {"type": pytype, "model": os.path.basename(path)}
    # Anything array-like (numpy arrays, tensors) is converted; objects that only pretend to be
    # arrays end up with dtype=object and are refused by np.save(allow_pickle=False).
    array = np.asarray(value)
    if array.dtype.kind not in "biufU":
        return {"type": pytype, "unsupported": f"values of dtype {array.dtype}"}
    path = os.path.join(outdir, f"{name}.npy")
    np.save(path, array, allow_pickle=False)
    return {"type": pytype, "array": os.path.basename(path)}


def _is_keras_model(value):
    try:
        import keras
    except ImportError:
        return False
    return isinstance(value, keras.Model)


def _error(exc):
    return {"type": type(exc).__name__, "message": str(exc)[:2000],
            "where": "".join(traceback.format_exception(exc)[-3:])[-2000:]}


def _evaluate(probe, namespace):
    """What `probe` asks of the notebook: a call of one of its functions, or a variable."""
    if "call" in probe:
        func = namespace.get(probe["call"])
        if func is None:
            raise NameError(f"name '{probe['call']}' is not defined")
        value = func(*_encode_arg(probe.get("args", [])))
        if "then" in probe:  # a method of what the call returned (a layer's get_vocabulary)
            method, args = probe["then"]
            value = getattr(value, method)(*_encode_arg(args))
        return value
    if probe["global"] not in namespace:
        raise NameError(f"name '{probe['global']}' is not defined")
    return namespace[probe["global"]]


def export(probes, outdir, namespace):
    """Evaluate each probe against the student's `namespace` and write `manifest.json`."""
    global _GLOBALS
    _GLOBALS = namespace
    _CALLED.clear()
    os.makedirs(outdir, exist_ok=True)
    manifest = {}
    for probe in probes:
        name = probe["name"]
        try:
            value = _evaluate(probe, namespace)
        except Exception as exc:  # the student's code may raise anything; record it as data
            manifest[name] = {"error": _error(exc)}
            continue
        try:
            manifest[name] = {"result": _to_data(value, outdir, name)}
        except Exception as exc:
            # The value came back, but turning it into data failed (a conversion of its own
            # that raises, a model that cannot be saved): that is not the student's function
            # raising, so it is recorded apart and no check reads it as a raised error.
            manifest[name] = {"result": {"type": _pytype(value),
                                         "unexportable": type(exc).__name__}}
    with open(os.path.join(outdir, "manifest.json"), "w", encoding="utf-8") as fh:
        json.dump(manifest, fh)
    return len(manifest)


_GLOBALS = {}
_CALLED = {}
