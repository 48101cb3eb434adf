"""The reliability bank: bad input and cheating submissions, each with the score it deserves.

Every case is built from the solution or the blank release of an assignment and names the checks
it must lose (`ALL`: every one). A case is handled when it loses exactly those, with a message;
a point given to a check it should lose is a point wrongly awarded. Run it with
`python -m pytest tests/test_reliability.py` (graded in one batch with honest submissions) or
`python benchmarks/reliability.py` (prints the figures).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

import course_config
from autograder.build import solution_notebook
from autograder.notebook_io import grade_id
from autograder.samples import handed_in_files, saved_file

ALL = None  # loses every check


@dataclass(frozen=True)
class Case:
    """One submission of the bank."""

    student: str
    assignment: str
    build: Callable[[nbformat.NotebookNode, nbformat.NotebookNode], bytes | nbformat.NotebookNode]
    """(solution, blank release) -> the file's content or a notebook."""
    loses: frozenset[str] | None = ALL
    says: str = ""
    """A phrase the student must read (in the problem or a failed check's message)."""
    filename: str | None = None
    """Another file name than the assignment's notebook (a renamed submission)."""
    needs_isolation: bool = False
    """Only holds where the sandbox can hide the course files (the grader runs as root)."""
    files: Callable[[], dict[str, bytes | Path]] | None = None
    """Files handed in next to the notebook: content, or a path the file is a link to.
    None: the solution's saved files (for assignments whose notebooks save models)."""


def _copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return nbformat.from_dict(json.loads(json.dumps(nb)))


def cell_first(code: str, base: str = "release") -> Callable:
    """The notebook with `code` run before everything else."""
    def build(solution, release):
        nb = _copy(solution if base == "solution" else release)
        nb.cells.insert(0, nbformat.v4.new_code_cell(code))
        return nb
    return build


def cell_last(code: str, base: str = "solution") -> Callable:
    """The notebook with `code` run after everything else."""
    def build(solution, release):
        nb = _copy(solution if base == "solution" else release)
        nb.cells.append(nbformat.v4.new_code_cell(code))
        return nb
    return build


def edited(cell_id: str, old: str, new: str) -> Callable:
    def build(solution, release):
        nb = _copy(solution)
        for cell in nb.cells:
            if grade_id(cell) == cell_id:
                assert old in cell.source, (cell_id, old)
                cell.source = cell.source.replace(old, new)
        return nb
    return build


def _without(cell_id: str) -> Callable:
    def build(solution, release):
        nb = _copy(solution)
        nb.cells = [c for c in nb.cells if grade_id(c) != cell_id]
        return nb
    return build


def _duplicated_functions(solution, release):
    nb = _copy(solution)
    doubled = []
    for cell in nb.cells:
        doubled.append(cell)
        if cell.cell_type == "code" and "def " in cell.source:
            twin = _copy(cell)
            twin.pop("id", None)
            doubled.append(twin)
    nb.cells = doubled
    for index, cell in enumerate(nb.cells):  # cell ids must stay unique
        cell["id"] = f"cell-{index}"
    return nb


def _prose_last(solution, release):
    nb = _copy(solution)
    nb.cells = [c for c in nb.cells if c.cell_type == "code"] + \
               [c for c in nb.cells if c.cell_type != "code"]
    return nb


def _metadata_scrambled(solution, release):
    nb = _copy(solution)
    for index, cell in enumerate(nb.cells):
        cell.metadata = {"nbgrader": {"grade_id": f"renamed_{index}", "locked": False}} \
            if index % 2 else {}
    nb.metadata = {}
    return nb


def _old_format(solution, release):
    return nbformat.writes(nbformat.convert(_copy(solution), 3), version=3).encode()


def _huge_outputs(solution, release):
    nb = _copy(solution)
    blob = "0123456789" * 12_000_000  # 120 MB of leftover output
    first_code = next(cell for cell in nb.cells if cell.cell_type == "code")
    first_code.outputs = [nbformat.v4.new_output("stream", name="stdout", text=blob)]
    return nb


def _bad_bytes(solution, release):
    text = nbformat.writes(solution)
    return text.encode("utf-8").replace(b"hihello", b"hih\xe9llo", 1)


ALWAYS_EQUAL = '''
import numpy as np

class Anything:
    shape = (1, 6, 5)
    dtype = np.float32
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __len__(self): return 6
    def __iter__(self): return iter([])
    __hash__ = object.__hash__

def build_vocabulary(text): return Anything()
def lookup_tables(vocabulary): return Anything()
def encode(text, table): return Anything()
def one_hot(indices, size): return Anything()
def decode(values, table): return Anything()
def make_xy(text, table): return Anything(), Anything()
'''

# Looks where a student's code can learn the course is: the kit it can import, the folders
# around its own, its home. (Other copies of the course on the grading machine are the
# operator's to keep away: see the README.)
READ_SECRETS = '''
import glob, json, os
found = []
try:
    import course_config
    roots = [course_config.ROOT]
except Exception:
    roots = []
for root in roots + [os.path.dirname(os.getcwd()), os.path.expanduser("~")]:
    found += glob.glob(os.path.join(root, "**", "solutions", "onehot", "*.ipynb"), recursive=True)
    found += glob.glob(os.path.join(root, "**", "source", "onehot", "*.ipynb"), recursive=True)
for path in found:
    try:
        solution = json.load(open(path))
    except Exception:
        continue
    for cell in solution["cells"]:
        code = "".join(cell["source"])
        if cell["cell_type"] == "code" and "BEGIN HIDDEN TESTS" not in code:
            try:
                exec(code.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""))
            except Exception:
                pass
    break
'''

WRITE_FAKE_RESULTS = '''
import glob, json, os
fake = {"vocabulary_0": {"result": {"type": "builtins.list", "items": []}}}
targets = ["manifest.json", "../results.json", "../submissions.json", "../status.json"]
targets += [os.path.join(d, "manifest.json") for d in glob.glob(".export-*")]
try:
    import course_config
    targets += [os.path.join(course_config.ROOT, "gradebook.db"),
                os.path.join(course_config.ROOT, "grades", "samples.json")]
except Exception:
    pass
written = []
for target in targets:
    try:
        os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        with open(target, "w") as fh:
            json.dump({"submissions": [{"student": "mallory", "score": 24}]} if "json" in target
                      else fake, fh)
        written.append(target)
    except Exception:
        pass
'''

PATCH_EVERYTHING = '''
import builtins, sys, types
import numpy, numpy.testing
numpy.testing.assert_allclose = lambda *a, **k: None
numpy.testing.assert_array_equal = lambda *a, **k: None
numpy.array_equal = lambda *a, **k: True
builtins.AssertionError = type("AssertionError", (Exception,), {})
sys.modules["pytest"] = types.ModuleType("pytest")
try:
    import autograder.checks.lib as lib
    lib.expect = lambda *a, **k: None
    import autograder.boundary as boundary
    boundary.StudentCodeError = type("Nothing", (Exception,), {})
except Exception:
    pass
'''

DETACHED = '''
import os, subprocess, sys
subprocess.Popen(["sleep", "300"], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        import time
        time.sleep(30)
        open("late.txt", "w").write("still here")
    os._exit(0)
'''

# Another sandbox graded at the same time: its processes (through /proc), its files (through
# the folders around this one, /tmp, /dev/shm) and its notebook, run here as this student's.
COPY_A_CLASSMATE = '''
import glob, json, os, time
own = os.path.realpath(os.getcwd())
def others():
    found = []
    for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            words = open(cmdline, "rb").read().decode(errors="replace").split("\\0")
        except OSError:
            continue
        for word in words:
            if word.endswith("job.json"):
                try:
                    found.append(json.load(open(word))["notebook"])
                except Exception:
                    pass
    for pattern in ("/tmp/rnnkit-*/*/work/*.ipynb", "/tmp/*/*/work/*.ipynb",
                    os.path.join(own, "..", "..", "*", "work", "*.ipynb"), "/dev/shm/*"):
        found += glob.glob(pattern)
    return [p for p in found if not os.path.realpath(p).startswith(own)]
deadline = time.time() + 45
copied = False
while not copied and time.time() < deadline:
    for path in others():
        try:
            cells = json.load(open(path))["cells"]
        except Exception:
            continue
        for cell in cells:
            if cell["cell_type"] == "code":
                try:
                    exec("".join(cell["source"]))
                except Exception:
                    pass
        copied = True
        break
    time.sleep(0.5)
'''

# A thread that outlives its cell and overwrites every other sandbox's exported results.
SABOTAGE_CLASSMATES = '''
import glob, json, os, threading, time
own = os.path.realpath(os.getcwd())
def sabotage():
    deadline = time.time() + 120
    while time.time() < deadline:
        for pattern in ("/tmp/rnnkit-*/*/work/.export-*/manifest.json",
                        "/tmp/*/*/work/.export-*/manifest.json",
                        os.path.join(own, "..", "..", "*", "work", ".export-*", "manifest.json"),
                        "/proc/[0-9]*/cwd/.export-*/manifest.json"):
            for path in glob.glob(pattern):
                if not os.path.realpath(path).startswith(own):
                    try:
                        json.dump({}, open(path, "w"))
                    except OSError:
                        pass
        time.sleep(0.05)
threading.Thread(target=sabotage, daemon=True).start()
'''

# Holds every thread the process limit allows, for as long as a classmate's notebook runs.
STARVE_CLASSMATES = '''
import threading, time
held = []
try:
    for _ in range(100_000):
        thread = threading.Thread(target=time.sleep, args=(90,), daemon=True)
        thread.start()
        held.append(thread)
except Exception:
    pass
'''

ONEHOT_MODEL_LOSSES = frozenset({"char_rnn_returns_a_sequence_of_softmax",
                                 "char_rnn_parameter_count", "hihello_model_predicts_ihello",
                                 "sentence_model_predicts_next_characters"})

ADDITION_MODEL_LOSSES = frozenset({"saved_model_matches_notebook",
                                   "saved_model_adds_fresh_questions"})


def _model_with_lambda() -> bytes:
    """A seq2seq whose archive carries Python code (a Lambda): safe mode must refuse it."""
    import keras

    return _saved_bytes(keras.Sequential([
        keras.Input((7, 12)), keras.layers.LSTM(8), keras.layers.RepeatVector(4),
        keras.layers.Lambda(lambda t: t * 1.0), keras.layers.LSTM(8, return_sequences=True),
        keras.layers.TimeDistributed(keras.layers.Dense(12, activation="softmax")),
    ]))


def _saved_bytes(model) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.keras"
        model.save(path)
        return path.read_bytes()


def _config_bomb() -> bytes:
    """A few-KB archive whose config.json declares two Dense(40,000) layers: built, the second
    alone holds 1.6 billion weights (6.4 GB). Safe mode has nothing to refuse in it."""
    import io
    import zipfile

    import keras

    small = keras.Sequential([keras.Input((7, 12)), keras.layers.Dense(4), keras.layers.Dense(4)])
    source = zipfile.ZipFile(io.BytesIO(_saved_bytes(small)))
    config = json.loads(source.read("config.json"))
    for layer in config["config"]["layers"][1:]:
        layer["config"]["units"] = 40_000
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as bomb:
        for name in source.namelist():
            bomb.writestr(name, json.dumps(config) if name == "config.json" else source.read(name))
    return out.getvalue()


def _long_sequence_model() -> bytes:
    """The notebook's end-to-end model (untrained) with a vectorizer that pads every review to
    2,000 words: the LSTM then takes 2,000 steps on each of the grader's reviews."""
    import keras

    vectorizer = keras.layers.TextVectorization(max_tokens=1_000, output_sequence_length=2_000)
    vectorizer.adapt(["a wonderful film", "a dull and predictable film"])
    inner = keras.Sequential([keras.Input((None,), dtype="int64"),
                              keras.layers.Embedding(vectorizer.vocabulary_size(), 32,
                                                      mask_zero=True),
                              keras.layers.LSTM(32), keras.layers.Dense(1, activation="sigmoid")])
    return _saved_bytes(keras.Sequential([keras.Input((1,), dtype="string"), vectorizer, inner]))


SENTIMENT_MODEL_LOSSES = frozenset({
    "vocabulary_fitted_on_train_only", "model_layers_and_params", "padding_is_masked_or_pre",
    "predictions_are_probabilities", "predict_sentiment_reuses_vocabulary",
    "saved_model_accuracy", "no_gap_between_test_and_holdout"})
"""The checks that read the saved sentiment_model.keras."""


CASES = [
    # Bad input
    Case("bad-not-json", "onehot", lambda s, r: b"this is not a notebook", says="not valid JSON"),
    Case("bad-json-not-notebook", "onehot", lambda s, r: b'{"answer": 42}',
         says="not a Jupyter notebook"),
    Case("bad-old-nbformat", "onehot", _old_format, loses=frozenset()),
    Case("bad-empty-notebook", "onehot", lambda s, r: nbformat.v4.new_notebook(), says="no code"),
    Case("bad-cell-deleted", "onehot", _without("decode"),
         loses=frozenset({"decode_reads_indices_and_probabilities"}), says="decode"),
    Case("bad-cells-duplicated", "onehot", _duplicated_functions, loses=frozenset()),
    Case("bad-cells-reordered", "onehot", _prose_last, loses=frozenset()),
    Case("bad-metadata-edited", "onehot", _metadata_scrambled, loses=frozenset()),
    Case("bad-renamed", "onehot", lambda s, r: _copy(s), loses=frozenset(),
         filename="onehot (final version).ipynb"),
    Case("bad-huge-outputs", "onehot", _huge_outputs, loses=frozenset()),
    Case("bad-non-utf8", "onehot", _bad_bytes, says="not UTF-8"),
    Case("bad-lambda-layer", "onehot",
         edited("build_char_rnn", "    outputs = keras.layers.Dense",
                "    states = keras.layers.Lambda(lambda t: t * 1.0)(states)\n"
                "    outputs = keras.layers.Dense"),
         loses=ONEHOT_MODEL_LOSSES, says="loaded safely"),
    Case("bad-custom-layer", "onehot",
         edited("build_char_rnn", "    outputs = keras.layers.Dense",
                "    class Scale(keras.layers.Layer):\n"
                "        def call(self, t):\n            return t * 1.0\n"
                "    states = Scale()(states)\n    outputs = keras.layers.Dense"),
         loses=ONEHOT_MODEL_LOSSES, says="loaded safely"),
    # Cheating
    Case("cheat-patch-everything", "onehot", cell_first(PATCH_EVERYTHING)),
    Case("cheat-always-equal", "onehot", cell_last(ALWAYS_EQUAL, base="release"),
         says="not a number, string or array"),
    Case("cheat-read-solutions", "onehot", cell_last(READ_SECRETS, base="release"),
         needs_isolation=True),
    Case("cheat-write-fake-results", "onehot", cell_last(WRITE_FAKE_RESULTS, base="release")),
    Case("cheat-hard-coded-public-answers", "onehot",
         edited("build_vocabulary", "return sorted(set(text))", 'return ["e", "h", "i", "l", "o"]'),
         loses=frozenset({"vocabulary_is_sorted_and_unique", "vocabulary_rejects_empty_text",
                          "sentence_model_predicts_next_characters"})),
    Case("cheat-exit-early", "onehot", cell_first("import os\nos._exit(0)")),
    Case("cheat-sys-exit", "onehot", cell_first("raise SystemExit(0)")),
    Case("cheat-kill-kernel-at-the-end", "onehot", cell_last("import os\nos._exit(1)"),
         loses=frozenset(), says="killed the kernel"),
    # The kernel holds its session key: a wrong one makes every message it sends unreadable.
    Case("attack-garbles-kernel-messages", "onehot",
         cell_last("get_ipython().kernel.session.key = b'not the key'"),
         loses=frozenset(), says="garbled its messages"),
    Case("cheat-detached-processes", "onehot", cell_last(DETACHED), loses=frozenset()),
    Case("cheat-hang", "onehot", cell_last("import time\ntime.sleep(100_000)"),
         loses=frozenset()),
    Case("cheat-memory-hog", "onehot", cell_last("hog = bytearray(64 * 2**30)"),
         loses=frozenset()),
    Case("cheat-output-flood", "onehot",
         cell_last("for _ in range(50_000):\n    print('x' * 1000)"), loses=frozenset()),
    Case("cheat-kill-the-grader", "onehot",
         cell_first("import os, signal\nfor pid in range(2, 100000):\n    try:\n"
                    "        os.kill(pid, signal.SIGKILL) if pid != os.getpid() else None\n"
                    "    except Exception:\n        pass"),
         needs_isolation=True),
    # Classmates graded at the same time
    Case("cheat-copy-a-classmate", "onehot", cell_last(COPY_A_CLASSMATE, base="release"),
         needs_isolation=True),
    Case("cheat-sabotage-classmates", "onehot", cell_first(SABOTAGE_CLASSMATES, base="solution"),
         loses=frozenset(), needs_isolation=True),
    Case("cheat-starve-classmates", "onehot", cell_last(STARVE_CLASSMATES, base="release"),
         needs_isolation=True),
    # Saved models (the addition assignment hands in addition_model.keras)
    Case("bad-model-missing", "addition", lambda s, r: _copy(s), files=dict,
         loses=ADDITION_MODEL_LOSSES, says="no addition_model.keras was submitted"),
    Case("bad-model-corrupt", "addition", lambda s, r: _copy(s),
         files=lambda: {"addition_model.keras": b"PK\x03\x04" + b"\x00" * 2000},
         loses=ADDITION_MODEL_LOSSES, says="could not be loaded safely"),
    Case("bad-model-with-lambda-layer", "addition", lambda s, r: _copy(s),
         files=lambda: {"addition_model.keras": _model_with_lambda()},
         loses=ADDITION_MODEL_LOSSES, says="loaded safely"),
    Case("cheat-model-linked-to-another", "addition", lambda s, r: _copy(s),
         files=lambda: {"addition_model.keras": saved_file("addition", "solution",
                                                           "addition_model.keras")},
         loses=ADDITION_MODEL_LOSSES, says="addition_model.keras handed in is a link"),

    Case("cheat-model-trained-on-test-split", "sentiment", lambda s, r: _copy(s),
         files=lambda: {"sentiment_model.keras": saved_file(
             "sentiment", "mistake-trained-on-test", "sentiment_model.keras").read_bytes()},
         loses=frozenset({"no_gap_between_test_and_holdout"}), says="seen the test reviews"),
    # Saved models that cost the grader: refused from their configuration, never built
    Case("cheat-model-config-bomb", "addition", lambda s, r: _copy(s),
         files=lambda: {"addition_model.keras": _config_bomb()},
         loses=ADDITION_MODEL_LOSSES, says="parameters or more; the grader evaluates"),
    Case("bad-model-long-sequences", "sentiment", lambda s, r: _copy(s),
         files=lambda: {"sentiment_model.keras": _long_sequence_model()},
         loses=SENTIMENT_MODEL_LOSSES, says="reads sequences of 2,000 steps"),
]


def notebooks(assignment: str) -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    """(solution, blank release) of `assignment`, the material every case is made from."""
    name = course_config.ASSIGNMENTS[assignment].notebook
    root = Path(course_config.ROOT)
    return (solution_notebook(root / "source" / assignment / name),
            nbformat.read(str(root / "release" / assignment / name), as_version=4))


def write_bank(out: Path, cases: list[Case]) -> dict[str, Case]:
    """Write each case as out/<student>/<assignment>/<notebook> (with the files handed in next
    to it); return the cases by student."""
    written, material = {}, {}
    for case in cases:
        if case.assignment not in material:
            material[case.assignment] = notebooks(case.assignment)
        notebook = course_config.ASSIGNMENTS[case.assignment].notebook
        path = out / case.student / case.assignment / (case.filename or notebook)
        path.parent.mkdir(parents=True, exist_ok=True)
        content = case.build(*material[case.assignment])
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            nbformat.write(content, str(path))
        if case.files is None:
            for name, producer in handed_in_files(case.assignment)["solution"].items():
                shutil.copyfile(saved_file(case.assignment, producer, name), path.parent / name)
        else:
            for name, content in case.files().items():
                (path.parent / name).parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, Path):
                    (path.parent / name).symlink_to(content)
                else:
                    (path.parent / name).write_bytes(content)
        written[case.student] = case
    return written


def verdict(case: Case, result, checks: dict[str, float]) -> tuple[bool, float, str]:
    """(handled, points wrongly awarded, why not handled) for `case`'s graded `result`."""
    must_lose = set(checks) if case.loses is ALL else set(case.loses)
    failed = {c.name for c in result.checks if not c.passed}
    wrongly = sum(c.score for c in result.checks if c.name in must_lose)
    texts = [result.problem or ""] + [c.message for c in result.checks if not c.passed]
    if failed != must_lose:
        return False, wrongly, f"lost {sorted(failed)}, expected {sorted(must_lose)}"
    if any(not c.message for c in result.checks if not c.passed):
        return False, wrongly, "a failed check has no message"
    if case.says and not any(case.says in text for text in texts):
        return False, wrongly, f"no message says {case.says!r}"
    return True, wrongly, ""


# --- saved models whose configuration or weights file declares more than it seems ----------------

def _solution_model_members(assignment: str, filename: str) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(saved_file(assignment, "solution", filename)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zipped(members: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _lora_model() -> bytes:
    """The addition solution's archive with "lora_rank": 3000000 in its Dense layer: Keras
    would add 420 million LoRA weights to it while building the model."""
    members = _solution_model_members("addition", "addition_model.keras")
    config = json.loads(members["config.json"])
    config["config"]["layers"][-1]["config"]["layer"]["config"]["lora_rank"] = 3_000_000
    members["config.json"] = json.dumps(config).encode()
    return _zipped(members)


def _weights_dataset_bomb() -> bytes:
    """The addition solution's archive whose weights file declares its Dense kernel as a
    dataset of 1 GiB (chunks never written read as zeros: it stores next to nothing)."""
    import io

    import h5py

    members = _solution_model_members("addition", "addition_model.keras")
    buffer = io.BytesIO(members["model.weights.h5"])
    with h5py.File(buffer, "a") as weights:
        names = []
        weights.visititems(lambda name, item: names.append(name)
                           if isinstance(item, h5py.Dataset) else None)
        kernel = next(name for name in names if name.startswith("layers/time_distributed")
                      and name.endswith("vars/0"))
        del weights[kernel]
        weights.create_dataset(kernel, shape=(2**28,), dtype="float32", chunks=(2**20,),
                               compression="gzip")
    members["model.weights.h5"] = buffer.getvalue()
    return _zipped(members)


CASES += [
    # The notebook loads the file too: its kernel, holding 420 M weights, dies at the next
    # prediction and again while exporting, so everything is lost, in the sandbox; the trusted
    # process refuses the file before Keras builds it.
    Case("cheat-model-lora-rank", "addition", lambda s, r: _copy(s),
         files=lambda: {"addition_model.keras": _lora_model()},
         says="in its Dense layer's LoRA weights (lora_rank)"),
    Case("cheat-model-weights-dataset-bomb", "addition", lambda s, r: _copy(s),
         files=lambda: {"addition_model.keras": _weights_dataset_bomb()},
         loses=ADDITION_MODEL_LOSSES,
         says="more than the largest weight its configuration declares"),
]


# --- what a student hands in around the notebook, and files that would end a run ---------------

def _as_json(notebook: nbformat.NotebookNode) -> dict:
    return json.loads(nbformat.writes(notebook))


def _nested_deep(solution, release) -> bytes:
    """400 KB of JSON nested 100,000 deep (a recursion error in any unbounded parser)."""
    return (b'{"cells": [], "metadata": {"a": ' + b"[" * 100_000 + b"]" * 100_000
            + b'}, "nbformat": 4, "nbformat_minor": 5}')


def _million_objects(solution, release) -> bytes:
    """The solution with 1.5 million empty objects in its metadata: a few megabytes that
    take gigabytes once parsed and validated."""
    data = _as_json(solution)
    data["metadata"]["junk"] = [{} for _ in range(1_500_000)]
    return json.dumps(data, separators=(",", ":")).encode()


def _nbgrader_metadata(change: Callable[[dict], object]) -> Callable:
    """The solution with the first graded cell's nbgrader metadata replaced by change(it)."""
    def build(solution, release):
        data = _as_json(solution)
        cell = next(c for c in data["cells"] if "nbgrader" in c.get("metadata", {}))
        cell["metadata"]["nbgrader"] = change(cell["metadata"]["nbgrader"])
        return json.dumps(data).encode()
    return build


def _blank_release_bytes() -> bytes:
    return nbformat.writes(notebooks("onehot")[1]).encode()


FILL_THE_DISK = """
import os
n = 0
for size in [400 << 20] * 4 + [4096] * 1_000_000:
    try:
        fd = os.open(f"fill-{n}", os.O_CREAT | os.O_WRONLY)
        os.posix_fallocate(fd, 0, size)
        os.close(fd)
        n += 1
    except OSError:  # the big files until they no longer fit, then small ones to the brim
        if size < 2**20:
            break
"""

CASES += [
    Case("bad-json-nested-deep", "onehot", _nested_deep, says="nested too deeply"),
    Case("bad-json-million-objects", "onehot", _million_objects, says="JSON objects"),
    Case("bad-nbgrader-metadata-string", "onehot", _nbgrader_metadata(lambda meta: "oops"),
         says="nbgrader metadata is not a mapping"),
    Case("bad-nbgrader-grade-id-list", "onehot",
         _nbgrader_metadata(lambda meta: {**meta, "grade_id": [meta.get("grade_id")]}),
         says="'grade_id' has the wrong type"),
    # A blank notebook nested in the student's own folder as if it were the honest student
    # "solution"'s: graded as nobody (the honest one keeps its score), listed as ignored.
    Case("attack-nested-as-classmate", "onehot", lambda s, r: _copy(r),
         files=lambda: {"solution/onehot/onehot.ipynb": _blank_release_bytes()}),
    Case("bad-extra-notebooks", "onehot", lambda s, r: _copy(s), loses=frozenset(),
         files=lambda: {"scratch.ipynb": _blank_release_bytes(),
                        "onehot-old.ipynb": _blank_release_bytes()}),
    Case("attack-fills-the-disk", "onehot", cell_last(FILL_THE_DISK), says="disk space",
         needs_isolation=True),
]
