"""No message a student reads echoes a hidden input.

The student's code sees the hidden inputs (the arguments of the grader's calls), so whatever it
raises or returns for them may hold them. "Echo" submissions, the solution with every function
the grader calls replaced by one that raises or returns its arguments, are graded, and every
text a student reads (each result's problem and each check's message) is searched for the hidden
strings. So are the messages of the bundled samples (the `graded_samples` fixture).
"""

from __future__ import annotations

import functools
import json
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

import course_config
from autograder.checks import assignment_probes
from autograder.discovery import find_submissions
from autograder.grading import grade
from autograder.scoring.results import SubmissionResult
from samples.bank import Case, cell_last, write_bank

ROOT = Path(course_config.ROOT)
ASSIGNMENTS = list(course_config.ASSIGNMENTS)
SHORTEST = 6
"""A hidden string this long or longer must not appear in a message."""
WINDOW = 12
"""Nor may any run of this many characters of a longer hidden string."""


# --- the search ---------------------------------------------------------------------------------

def _strings(arg: Any) -> Iterator[str]:
    """The strings of a probe argument that the student's function receives (the tags the
    exporter reads, an array's dtype or a notebook variable's name, are not data)."""
    if isinstance(arg, str):
        yield arg
    elif isinstance(arg, dict):
        if "__global__" in arg:
            return
        if "__array__" in arg:
            yield from _strings(arg["__array__"])
            return
        for value in arg.values():
            yield from _strings(value)
    elif isinstance(arg, (list, tuple)):
        for value in arg:
            yield from _strings(value)


def _release_text(assignment: str) -> str:
    notebook = ROOT / "release" / assignment / course_config.ASSIGNMENTS[assignment].notebook
    return "\n".join("".join(cell["source"]) for cell in
                     json.loads(notebook.read_text(encoding="utf-8"))["cells"])


@functools.cache
def hidden_strings(assignment: str) -> frozenset[str]:
    """Every string the grader passes to `assignment`'s functions that its release notebook does
    not show (a string the notebook defines, like "hihello", is public)."""
    public = _release_text(assignment)
    return frozenset(text for probe in assignment_probes(assignment) if "call" in probe
                     for text in _strings([probe["args"], probe.get("then", [])])
                     if text not in public)


def _windows(text: str) -> set[str]:
    return {text[i:i + WINDOW] for i in range(len(text) - WINDOW + 1)}


@functools.cache
def _kit_text() -> str:
    """The kit's own words: its code (but the files that hold the hidden inputs) and its release
    notebooks. A message is made of these and of the values it says."""
    sources = [path for path in [*(ROOT / "autograder").rglob("*.py"), ROOT / "course_config.py"]
               if path.name not in ("cases.py", "probes.py")]
    return "\n".join([*(path.read_text(encoding="utf-8") for path in sources),
                      *(_release_text(assignment) for assignment in ASSIGNMENTS)])


@functools.cache
def _kit_made(window: str) -> bool:
    """Whether the kit could have written `window`: one piece of its own words, or two joined
    (a message joins a phrase to a value or another phrase). The hidden reviews are English, so
    a window like "ing of the m" is the kit's as well as a review's."""
    kit = _kit_text()
    return any(window[:i] in kit and window[i:] in kit for i in range(len(window)))


@functools.cache
def _needles(assignment: str) -> tuple[frozenset[str], frozenset[str]]:
    """(whole strings to look for, windows of the longer ones) of `assignment`."""
    hidden = [text for text in hidden_strings(assignment) if len(text) >= SHORTEST]
    whole = frozenset(text for text in hidden if len(text) <= WINDOW)
    windows = frozenset().union(*(_windows(text) for text in hidden if len(text) > WINDOW))
    return whole, windows


def echoes(text: str, assignment: str) -> list[str]:
    """The hidden strings of `assignment` (or windows of them) that `text` contains."""
    whole, windows = _needles(assignment)
    return sorted({needle for needle in whole if needle in text}
                  | {window for window in _windows(text) & windows if not _kit_made(window)})


def echoed(results: Iterable[SubmissionResult]) -> dict[str, list[str]]:
    """Each student-facing text of `results` that echoes a hidden input, with what it echoes."""
    found = {}
    for result in results:
        texts = {"problem": result.problem or ""} | {c.name: c.message for c in result.checks}
        for where, text in texts.items():
            if hits := echoes(text, result.assignment):
                found[f"{result.student}/{result.assignment} {where}: {text[:300]}"] = hits
    return found


# --- echo submissions ---------------------------------------------------------------------------

BODIES = {
    "echo-raise": "raise ValueError(repr(args))",
    # also leaves the arguments in every variable the grader reads after its calls
    "echo-repr": "globals().update(dict.fromkeys({variables!r}, repr(args)))\n"
                 "    return repr(args)",
    "echo-args": "return args[0] if len(args) == 1 else args",
}


def echo_cell(assignment: str, student: str) -> str:
    """A last cell that redefines every function the grader calls as the echo `student`."""
    probes = assignment_probes(assignment)
    functions = sorted({p["call"] for p in probes if "call" in p})
    body = BODIES[student].format(variables=sorted({p["global"] for p in probes
                                                    if "global" in p}))
    return "\n\n".join(f"def {name}(*args, **kwargs):\n    {body}" for name in functions)


@pytest.fixture(scope="module")
def echo_results(tmp_path_factory: pytest.TempPathFactory) -> list[SubmissionResult]:
    """Every echo submission of every assignment, graded in one batch (with the solution's
    saved models handed in)."""
    out = tmp_path_factory.mktemp("echo")
    write_bank(out, [Case(student, assignment, cell_last(echo_cell(assignment, student)))
                     for assignment in ASSIGNMENTS for student in BODIES])
    results = grade(find_submissions([out]))
    shutil.rmtree(out, ignore_errors=True)
    return results


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_search_finds_every_echo_of_a_raised_message(assignment: str) -> None:
    # A message quoting what the student's code raised, for every call of the grader's that
    # passes a hidden string long enough to look for
    calls = [p for p in assignment_probes(assignment) if "call" in p
             and any(len(text) >= SHORTEST for text in hidden_strings(assignment)
                     & set(_strings(p["args"])))]
    assert calls
    for call in calls:
        message = f"Your code could not be checked: ValueError: {call['args']!r}"[:530]
        assert echoes(message, assignment), call["name"]


def test_echo_submissions_are_graded_and_fail(echo_results: list[SubmissionResult]) -> None:
    assert {(r.student, r.assignment) for r in echo_results} == \
        {(s, a) for s in BODIES for a in ASSIGNMENTS}
    for result in echo_results:
        assert result.problem is None, (result.student, result.assignment, result.problem)
        assert any(not c.passed and c.message for c in result.checks), result.student
    raised = [c.message for r in echo_results if r.student == "echo-raise" for c in r.checks]
    assert any("raised ValueError" in message for message in raised)


def test_no_message_echoes_a_hidden_input(echo_results: list[SubmissionResult]) -> None:
    assert echoed(echo_results) == {}


def test_no_sample_message_echoes_a_hidden_input(graded_samples: dict) -> None:
    assert echoed(graded_samples.values()) == {}
