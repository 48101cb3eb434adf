"""Building probes: the declared values a student's process exports for the checks.

A probe is plain JSON data: call a function of the notebook with grader-chosen arguments, or
read one of its variables. Arguments that JSON cannot say directly carry a tag the exporter reads.
"""

from __future__ import annotations

from typing import Any


def call(name: str, function: str, *args: Any, then: tuple | None = None) -> dict:
    """Export `function(*args)` under `name`; with `then` = (method, *its args), export
    `function(*args).method(*its args)` instead (what a returned layer knows)."""
    probe = {"name": name, "call": function, "args": list(args)}
    if then is not None:
        probe["then"] = [then[0], list(then[1:])]
    return probe


def variable(name: str, global_name: str) -> dict:
    """Export the notebook's variable `global_name` under `name`."""
    return {"name": name, "global": global_name}


def array_arg(values: Any, dtype: str) -> dict:
    """A numpy array argument."""
    return {"__array__": values, "dtype": dtype}


def dict_arg(mapping: dict) -> dict:
    """A dict argument whose keys need not be strings."""
    return {"__dict_items__": [[k, v] for k, v in mapping.items()]}


def global_arg(global_name: str, otherwise: Any = None) -> dict:
    """An argument taken from the notebook's own variable (e.g. the sizes it declares); with
    `otherwise` (another argument), that one where the notebook never defined the variable."""
    arg: dict = {"__global__": global_name}
    if otherwise is not None:
        arg["__else__"] = otherwise
    return arg


def call_arg(function: str, *args: Any) -> dict:
    """An argument that is what the notebook's `function` returns for `args` (a model its own
    builder makes, for a function that needs one)."""
    return {"__call__": function, "args": list(args)}
