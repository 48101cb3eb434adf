"""What a student controls cannot attack the instructor's tools, nor read the hidden inputs.

Two sides. Outputs: a student folder or notebook named like a spreadsheet formula, or holding
terminal escape sequences, reaches every CSV as text and every terminal, log and text report
escaped. Messages: a student's function sees the hidden inputs and may encode them into what it
returns (the shape of an empty array, a length, a dtype, the class of an exception, a count, a
dict key, a number); every check of every assignment is run on such functions, and no message
may take more than a few forms however the hidden input varies (a message that quotes the
encoding takes as many forms as there are hidden inputs).
"""

from __future__ import annotations

import builtins
import contextlib
import csv
import functools
import hashlib
import io
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import course_config
from autograder.boundary import Artefacts
from autograder.checks import assignment_checks, assignment_probes
from autograder.scoring.plugin import student_message
from autograder.scoring.results import CheckResult, SubmissionResult

ASSIGNMENTS = list(course_config.ASSIGNMENTS)

# --- hostile names -------------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(A1:A2)", "\tx", "\rx"]
"""Student folder names a spreadsheet would run as formulas (OWASP's list of first characters)."""

ESCAPES = ["\x1b]0;pwned\x07", "\x1b[2K", "\rfake", "\u202egnp.exe"]
"""Names that retitle a terminal window, erase its line, overwrite it, or reverse the text."""

CONTROL_BYTES = ("\x1b", "\r", "\x07", "\u202e")


def _results(students: list[str], notebook: str = "onehot.ipynb") -> list[SubmissionResult]:
    checks = [CheckResult("one_hot_is_float32", 0.0, 1.0, False, "-1 is " + students[0]),
              CheckResult("encode_returns_indices", 2.0, 2.0, True)]
    out = [SubmissionResult(student, "onehot", notebook, checks=list(checks))
           for student in students]
    out.append(SubmissionResult(students[-1], "windows", notebook, ungraded="=1+1"))
    return out


def _cells(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


def test_every_csv_cell_a_student_controls_is_text(tmp_path: Path) -> None:
    from autograder.export import write_csv

    totals, checks = write_csv(_results(FORMULAS, notebook="=cmd|' /C calc'!A0.ipynb"),
                               tmp_path / "grades.csv")
    for path in (totals, checks):
        cells = _cells(path)
        assert cells, path
        for cell in cells:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (path.name, cell)
        # each name is still there, readable, behind the apostrophe a spreadsheet hides
        for student in FORMULAS:
            assert "'" + student in cells, (path.name, student)
    assert "'=cmd|' /C calc'!A0.ipynb" in _cells(checks)


def test_the_csv_round_trips_names_with_commas_quotes_and_newlines(tmp_path: Path) -> None:
    from autograder.export import write_csv

    odd = ['a, "b"', "line\nbreak"]
    totals, checks = write_csv(_results(odd), tmp_path / "grades.csv")
    for path in (totals, checks):
        with open(path, newline="", encoding="utf-8") as fh:
            assert {row[0] for row in csv.reader(fh)} >= set(odd), path.name


def _printed(text: str) -> None:
    for byte in CONTROL_BYTES:
        assert byte not in text, (byte, text)


def test_the_grade_table_escapes_names_and_messages() -> None:
    from autograder.reports import table

    results = _results(ESCAPES, notebook="\x1b]0;pwned\x07.ipynb")
    results[0].problem = "the notebook \x1b[2K could not be read"
    results[0].note = "\rnote"
    text = table(results)
    _printed(text)
    assert "\\x1b]0;pwned\\x07" in text and "\\u202e" in text


def test_progress_lines_and_logs_escape_what_they_are_given() -> None:
    from autograder.progress import Bar, Lines

    lines: list[str] = []
    report = Lines(lines.append)
    report.start(2)
    report.log("ignored: submitted/\x1b]0;pwned\x07/onehot/x.ipynb")
    report.finished("\x1b[2K\rstudent/onehot")
    report.finished("\u202estudent", failed=True)
    for line in lines:
        _printed(line)
    stream = io.StringIO()
    bar = Bar(stream)
    bar.start(1)
    bar.log("\x1b]0;pwned\x07")
    bar.finished("\x1b[2K")
    bar.close()
    assert "\x1b]0" not in stream.getvalue() and "\x07" not in stream.getvalue()


def test_the_cli_escapes_ungraded_names_on_stderr(capsys: pytest.CaptureFixture) -> None:
    from autograder.cli import _say_ungraded

    assert _say_ungraded(_results(ESCAPES)) == 4
    _printed(capsys.readouterr().err)


def test_grade_and_export_print_hostile_folder_and_file_names_escaped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    # The whole terminal path of `grade` (discovery's ignored files, progress, the table) and
    # of `export`, on a submitted/ tree whose student folders and notebook names are hostile;
    # grading itself is replaced (no kernel): it names every submission it is given.
    import autograder.grading
    from autograder.cli import main
    from autograder.progress import Lines

    release = Path(course_config.ROOT) / "release" / "onehot" / "onehot.ipynb"
    root = tmp_path / "submitted"
    for student in [*ESCAPES, *FORMULAS]:
        folder = root / student / "onehot"
        folder.mkdir(parents=True)
        (folder / "onehot.ipynb").write_bytes(release.read_bytes())
        (folder / "\x1b]0;pwned\x07.ipynb").write_bytes(release.read_bytes())  # ignored

    def fake_grade(submissions, progress, **kwargs) -> list[SubmissionResult]:
        progress.start(len(submissions))
        out = []
        for sub in submissions:
            progress.log(f"ran {sub.key} ({sub.notebook})")
            progress.finished(sub.key, failed=True)
            out.append(SubmissionResult(sub.student, sub.assignment or "?", sub.notebook.name,
                                        checks=[CheckResult("encode_returns_indices", 0.0, 2.0,
                                                            False, f"no {sub.student}")],
                                        ungraded=None if len(out) % 2 else sub.student))
        return out

    monkeypatch.setattr(autograder.grading, "grade", fake_grade)
    # a log, not a terminal: progress comes as lines on stderr
    monkeypatch.setattr("autograder.progress.reporter",
                        lambda quiet=False, stream=None: Lines(
                            lambda line: print(line, file=__import__("sys").stderr)))
    results = tmp_path / "grades.json"
    assert main(["grade", str(root), "--json", str(results)]) == 4
    printed = capsys.readouterr()
    assert "\\x1b]0;pwned\\x07" in printed.out and "\\u202e" in printed.out
    _printed(printed.out + printed.err)
    assert main(["export", str(results), "--csv", str(tmp_path / "grades.csv")]) == 4
    printed = capsys.readouterr()
    _printed(printed.out + printed.err)
    for cell in _cells(tmp_path / "grades.csv") + _cells(tmp_path / "grades-checks.csv"):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


# --- the helpers that say what a student's code returned ---------------------------------------

def test_shapes_are_quoted_only_near_the_expected_one() -> None:
    from autograder.checks.lib import shape_text

    assert shape_text((1, 7, 5), (1, 7, 5)) == "shape (1, 7, 5)"
    assert shape_text((1, 5, 7), (1, 7, 5)) == "shape (1, 5, 7)"  # axes swapped
    assert shape_text((7, 5), (1, 7, 5)) == "shape (7, 5)"  # the batch axis missing
    assert shape_text((200, 1), (200,)) == "shape (200, 1)"  # an axis too many
    assert shape_text((6, 3), (5, 3)) == "shape (6, 3)"  # off by one
    for far in [(0, 29384913928003703), (1, 7, 6000), (3, 3, 3, 3, 3, 3), (13, 2, 9)]:
        text = shape_text(far, (1, 7, 5))
        assert not any(str(n) in text for n in far if n > 7), text
        assert "far from" in text


def test_lengths_counts_and_dtypes_are_bounded() -> None:
    from autograder.checks.lib import count_text, describe, dtype_text

    assert count_text(999, 1000) == "999"
    assert count_text(0, 1000) == "0"
    assert "73321" not in count_text(73321, 1000)
    assert "4211" not in count_text(4211, 1000, 2000)
    assert dtype_text(np.dtype("float64")) == "float64"
    assert "29" not in dtype_text(np.dtype("<U29"))
    assert "5000" not in describe("x" * 5000)
    assert "5000" not in describe([0] * 5000)
    assert "4213" not in describe(4213)
    assert describe(3) == "3"
    assert "123" not in describe(np.zeros((0, 12345)))


def test_only_the_usual_exception_and_type_names_are_shown() -> None:
    from autograder.boundary import a_class, known_name

    assert known_name("ValueError", exception=True) == "ValueError"
    assert known_name("KeyError", exception=True) == "KeyError"
    assert known_name("EagerTensor") == "EagerTensor"
    assert known_name("list") == "list"
    assert a_class("list") == "a list" and a_class("float64") == "a numpy scalar"
    assert "Hidden" not in a_class("Hidden1f3a")
    # whatever names a student's classes take, a message names at most 16 (4 bits)
    names = [*dir(builtins), *dir(np), *_LIBRARY_CLASSES, "Hidden1f3a"]
    assert len({known_name(name, exception=True) for name in names}) <= MAX_FORMS
    assert len({a_class(name) for name in names}) <= MAX_FORMS


# --- decoding hidden inputs from the messages --------------------------------------------------

SALTS = 32
"""Hidden inputs simulated per channel: each salt gives the student's encoder other bits."""
MAX_FORMS = 16
"""A message may take this many forms over the salts (4 bits), and no more: a message that
quotes an encoding of the hidden input takes one per salt."""

PARTS = {"make_xy": 2, "lookup_tables": 2, "generate_data": 2, "vectorize": 2,
         "create_dataset": 4, "split_by_date": 2, "make_windows": 2, "prepare": 6,
         "split_windows": 4, "char_windows": 2, "make_pairs": 2}
"""How many values each function returns as a tuple, so that every part carries the code
(build_vocabulary returns 3 in textgen: set per assignment below)."""


def _builtin_exceptions() -> list[type]:
    return sorted((kind for name in dir(builtins)
                   if isinstance(kind := getattr(builtins, name), type)
                   and issubclass(kind, Exception) and not issubclass(kind, UnicodeError)),
                  key=lambda kind: kind.__name__)


_EXCEPTIONS = _builtin_exceptions()
_DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
           "float16", "float32", "float64"]
_ODD_TYPES: list[Callable[[], Any]] = [set, frozenset, bytearray, bytes, lambda: complex(1, 1),
                                       lambda: range(2), lambda: slice(1), object,
                                       lambda: memoryview(b"x"), lambda: iter([]),
                                       lambda: np.dtype("int8"), lambda: type]


def _shape(h: int) -> Any:
    return np.zeros((0, 1 + h % 10 ** 15))


def _small_shape(h: int) -> Any:
    return np.zeros((1 + h % 11, 1 + h // 11 % 11, 1 + h // 121 % 11), dtype="float32")


def _rank(h: int) -> Any:
    return np.zeros((1,) * (1 + h % 30) + (0,))


def _length(h: int) -> Any:
    return [0.0] * (h % 5000)


def _text(h: int) -> Any:
    return "a" * (h % 5000)


def _dtype(h: int) -> Any:
    if h % 2:
        return np.zeros(3, dtype=f"<U{1 + h // 2 % 999}")
    return np.zeros((3, 2), dtype=_DTYPES[h // 2 % len(_DTYPES)])


_LIBRARY_CLASSES = ["EagerTensor", "Tensor", "RaggedTensor", "SparseTensor", "Variable",
                    "KerasTensor", "Sequential", "Functional", "Model", "DataFrame", "Series",
                    "InvalidArgumentError", "ResourceExhaustedError", "UnimplementedError",
                    "NotFoundError", "FailedPreconditionError", "OutOfRangeError"]
_CLASS_NAMES = sorted({*(kind.__name__ for kind in _EXCEPTIONS), *dir(builtins),
                       *_LIBRARY_CLASSES})
"""Names a student's class can take to pass for a known one (any name at all, in truth)."""


def _exception(h: int) -> Any:
    if h % 3 == 0:
        raise type(f"Hidden{h:x}", (ValueError,), {})("x")
    if h % 3 == 1:  # a class of its own named like a known one
        raise type(_CLASS_NAMES[h // 3 % len(_CLASS_NAMES)], (Exception,), {})("x")
    raise _EXCEPTIONS[h // 3 % len(_EXCEPTIONS)]("x")


def _count(h: int) -> Any:
    values = np.zeros(1000, dtype="int64")
    values[:h % 1000] = -7
    return values


def _repeats(h: int) -> Any:
    return [chr(0x4E00 + i) for i in range(60)] + ["a"] * (h % 2000)


def _key(h: int) -> Any:
    return {f"k{h % 10 ** 9}": 0, h % 10 ** 9: 1, "a": h % 10 ** 6}


def _number(h: int) -> Any:
    return h % 9999 if h % 2 else (h % 10 ** 6) / 997


def _odd_type(h: int) -> Any:
    if h % 3 == 0:
        return type(f"Hidden{h:x}", (), {})()
    if h % 3 == 1:  # an object of its own class, named like a known one
        return type(_CLASS_NAMES[h // 3 % len(_CLASS_NAMES)], (), {})()
    return _ODD_TYPES[h // 3 % len(_ODD_TYPES)]()


CHANNELS: dict[str, Callable[[int], Any]] = {
    "shape": _shape, "small shape": _small_shape, "rank": _rank, "length": _length,
    "text length": _text, "dtype": _dtype, "exception class": _exception, "count": _count,
    "repeats": _repeats, "dict key": _key, "number": _number, "type name": _odd_type,
}


def _hash(salt: int, args: tuple) -> int:
    digest = hashlib.sha256(f"{salt}|{args!r}".encode("utf-8", "backslashreplace")).digest()
    return int.from_bytes(digest[:8], "big")


def _namespace(assignment: str, channel: str, salt: int) -> dict[str, Any]:
    """A notebook whose every function encodes its arguments through `channel`, and leaves the
    same code in every variable the grader reads after its calls."""
    encode = CHANNELS[channel]
    probes = assignment_probes(assignment)
    variables = sorted({p["global"] for p in probes if "global" in p}
                       | {a["__global__"] for p in probes for a in p.get("args", [])
                          if isinstance(a, dict) and "__global__" in a})
    parts = dict(PARTS, build_vocabulary=3 if assignment == "textgen" else 1)
    namespace: dict[str, Any] = dict.fromkeys(variables, 0)

    def function(name: str) -> Callable:
        def encoded(*args: Any) -> Any:
            h = _hash(salt, args)
            for variable in variables:
                with contextlib.suppress(Exception):  # an exception channel leaves them
                    namespace[variable] = encode(h)
            count = parts.get(name, 1)
            if count == 1:
                return encode(h)
            return tuple(encode(h + i) for i in range(count))
        return encoded

    for name in {p["call"] for p in probes if "call" in p}:
        namespace[name] = function(name)
    return namespace


def _checks(assignment: str) -> list[tuple[str, str, Callable]]:
    module = assignment_checks(assignment)
    return [(name.removeprefix("test_"), getattr(module, name).pytestmark[0].kwargs["failure"],
             getattr(module, name)) for name in dir(module) if name.startswith("test_")]


def _messages(assignment: str, folder: Path) -> dict[str, str]:
    """Every check of `assignment` on the export in `folder`: {check: what the student reads}."""
    art = Artefacts(folder, probes=assignment_probes(assignment))
    out = {}
    for name, headline, check in _checks(assignment):
        try:
            check(art)
        except Exception as exc:
            out[name] = student_message(headline, exc)
        else:
            out[name] = ""
    return out


@functools.cache
def _forms(assignment: str, channel: str, tmp: Path) -> dict[str, set[str]]:
    from autograder.sandbox.exporter import export

    forms: dict[str, set[str]] = {}
    probes = assignment_probes(assignment)
    for salt in range(SALTS):
        folder = tmp / f"{assignment}-{channel.replace(' ', '_')}-{salt}"
        export(probes, str(folder), _namespace(assignment, channel, salt))
        for name, message in _messages(assignment, folder).items():
            forms.setdefault(name, set()).add(message)
    return forms


def _bits(forms: set[str]) -> float:
    return math.log2(len(forms))


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("decode")


@pytest.mark.parametrize("channel", list(CHANNELS))
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_message_carries_more_than_a_few_bits_of_a_hidden_input(assignment: str, channel: str,
                                                                    tmp: Path) -> None:
    forms = _forms(assignment, channel, tmp)
    assert forms, assignment
    leaky = {name: f"{len(texts)} forms ({_bits(texts):.1f} bits), e.g. "
                   + " | ".join(sorted(texts)[:3])
             for name, texts in forms.items() if len(texts) > MAX_FORMS}
    widest = max(forms, key=lambda name: len(forms[name]))
    print(f"{assignment} {channel}: at most {len(forms[widest])} forms ({widest})")
    assert leaky == {}


def test_the_decoder_reads_a_message_that_quotes_the_encoding() -> None:
    # the measure itself can fail: a message that quotes an empty array's shape takes a form
    # per hidden input
    messages = {f"it has shape {_shape(_hash(salt, ('hidden',))).shape}" for salt in range(SALTS)}
    assert len(messages) > MAX_FORMS
    quoted = {f"it raised {type(exc).__name__}" for salt in range(SALTS)
              for exc in [_raised(_exception, _hash(salt, ("hidden",)))]}
    assert len(quoted) > MAX_FORMS


def _raised(encode: Callable[[int], Any], h: int) -> BaseException:
    try:
        encode(h)
    except Exception as exc:
        return exc
    raise AssertionError("it returned")


def test_every_sample_message_is_bounded(graded_samples: dict) -> None:
    # honest code of the sample bank: no control character and no huge number (a zero-size
    # array's shape, say) reaches a message; text the kit quotes ('0123456789+ ') is its own
    found = []
    for (student, assignment), result in graded_samples.items():
        for c in result.checks:
            said = re.sub(r"'[^']*'", "", c.message.replace(",", ""))
            if not c.message.isprintable() or any(n >= 10 ** 7 for n in _numbers(said)):
                found.append((student, assignment, c.name, c.message))
    assert found == []


def _numbers(text: str) -> list[int]:
    return [int(digits) for digits in re.findall(r"\d+", text)]
