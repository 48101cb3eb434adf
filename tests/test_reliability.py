"""The reliability bank (samples/bank.py), graded in one batch with honest submissions.

Every bad-input or cheating case earns exactly the points it deserves, with a message; every
honest submission scores exactly as in its own batch; nothing outlives the batch or reaches the
course's files.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import nbformat
import psutil
import pytest

import course_config
from autograder.checks import check_points
from autograder.discovery import find_submissions
from autograder.grading import grade
from autograder.samples import apply, variants
from autograder.sandbox import isolation
from samples.bank import CASES, notebooks, verdict, write_bank

ROOT = Path(course_config.ROOT)
HONEST = ("solution", "mistake-one-hot-float64", "correct-gru-time-distributed")


def _mtimes() -> dict[Path, float]:
    return {p: p.stat().st_mtime for p in ROOT.rglob("*")
            if p.is_file() and not {".venv", ".git", "__pycache__"} & set(p.parts)}


@pytest.fixture(scope="session")
def bank(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bank")
    write_bank(out, CASES)
    name = course_config.ASSIGNMENTS["onehot"].notebook
    solution, _ = notebooks("onehot")
    honest = {"solution": solution} | {v.student: apply(v, solution)
                                       for v in variants("onehot") if v.student in HONEST}
    for student, notebook in honest.items():
        (out / student / "onehot").mkdir(parents=True)
        nbformat.write(notebook, str(out / student / "onehot" / name))
    before = _mtimes()
    tmp = tmp_path_factory.mktemp("grader-tmp")  # the grader's temporary folders, to count
    tempfile.tempdir = str(tmp)
    try:
        results = grade(find_submissions([out]))
    finally:
        tempfile.tempdir = None
    after = _mtimes()
    yield {"results": {r.student: r for r in results}, "tmp": tmp,
           "touched": {p for p in after if before.get(p) != after[p]}}
    shutil.rmtree(out, ignore_errors=True)


def test_the_bank_is_large_enough() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c.student for c in CASES])
def test_each_case_scores_what_it_deserves(bank: dict, case) -> None:
    if case.needs_isolation and not isolation.available():
        pytest.skip("needs the sandbox's isolation (run the grader as root on Linux)")
    result = bank["results"][case.student]
    handled, wrongly, why = verdict(case, result, check_points(case.assignment))
    assert wrongly == 0
    assert handled, why


@pytest.mark.parametrize("student", HONEST)
def test_honest_submissions_score_as_when_graded_alone(bank: dict, sample_result,
                                                      student: str) -> None:
    together = bank["results"][student]
    alone = sample_result(student, "onehot")
    assert [(c.name, c.score) for c in together.checks] == [(c.name, c.score) for c in alone.checks]


def test_nothing_outlives_the_batch(bank: dict) -> None:
    leftovers = [p.info["cmdline"] for p in psutil.process_iter(["cmdline"])
                 if p.info["cmdline"] and p.info["cmdline"][:2] == ["sleep", "300"]]
    assert leftovers == []
    assert isolation.stray_processes(course_config.SANDBOX_UIDS,
                                     Path(course_config.SANDBOX_LOCK_DIR)) == []
    assert sorted(bank["tmp"].iterdir()) == []


def test_no_course_file_was_written(bank: dict) -> None:
    assert bank["touched"] == set()
    assert not (ROOT / "gradebook.db").exists()


SEARCH_THE_MACHINE = r'''
import json, os
MARK = "# CLASSMATE" + "-CODE"
skip = ("/proc", "/sys", "/dev", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc")
stolen = None
for top, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if not os.path.join(top, d).startswith(skip)]
    for name in files:
        if name in ("onehot.ipynb", "onehot.html", "gradebook.db") and "alice" in top + name \
                or name == "gradebook.db":
            try:
                text = open(os.path.join(top, name), encoding="utf-8", errors="replace").read()
            except OSError:
                continue
            if name.endswith(".ipynb"):
                stolen = "\n".join(c["source"] if isinstance(c["source"], str)
                                   else "".join(c["source"]) for c in json.loads(text)["cells"]
                                   if c["cell_type"] == "code")
            elif MARK in text:
                stolen = text.split(MARK)[1]
if stolen:
    exec(stolen)
'''


@pytest.mark.skipif(not isolation.available(), reason="needs root: the allowlist is mounts")
def test_a_one_student_regrade_cannot_read_any_other_folder(tmp_path: Path) -> None:
    """The README's regrade grades one student of a class whose other submissions, feedback
    and gradebook sit in the course root: none of them is visible to that student's code."""
    import secrets

    solution, release = notebooks("onehot")
    code = "\n".join(c.source for c in solution.cells if c.cell_type == "code")
    course = ROOT / f".test-class-{secrets.token_hex(4)}"
    try:
        alice = course / "submitted" / "alice" / "onehot"
        alice.mkdir(parents=True)
        nbformat.write(solution, str(alice / "onehot.ipynb"))
        (course / "feedback" / "alice" / "onehot").mkdir(parents=True)
        page = f"<pre># CLASSMATE-CODE{code}# CLASSMATE-CODE</pre>"
        (course / "feedback" / "alice" / "onehot" / "onehot.html").write_text(page)
        (course / "gradebook.db").write_text(page)
        mallory = course / "submitted" / "mallory" / "onehot"
        mallory.mkdir(parents=True)
        thief = nbformat.from_dict(release)
        thief.cells.insert(0, nbformat.v4.new_code_cell(SEARCH_THE_MACHINE))
        nbformat.write(thief, str(mallory / "onehot.ipynb"))
        [result] = grade(find_submissions([course / "submitted" / "mallory"]))
    finally:
        shutil.rmtree(course, ignore_errors=True)
    assert result.student == "mallory" and result.ungraded is None
    assert result.score == 0, [(c.name, c.score) for c in result.checks if c.score]
