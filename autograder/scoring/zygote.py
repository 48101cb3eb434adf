"""The trusted checks' fork server (see `autograder.forkserver`): each run of the checks is a
fresh process, forked from one that has already imported TensorFlow, Keras and pytest.

A request is {"args", "output", "status", "memory"}: the child sets its memory cap, sends its
output to the `output` file and runs `pytest ARGS`.
"""

from __future__ import annotations

import os
import resource

from autograder.forkserver import redirect, serve

PRELOAD = ("numpy", "tensorflow", "keras", "pytest")


def _child(request: dict) -> int:
    """Run the checks as `python -m pytest ARGS` would; the exit code."""
    os.setsid()
    memory = int(request["memory"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    redirect(request["output"], request["output"])
    import pytest

    return int(pytest.main(request["args"]))


if __name__ == "__main__":
    serve(PRELOAD, _child)
