"""A class on one machine, as the README's instructor section runs it: an exchange in a temporary
folder, three students; generate, release, fetch, submit, collect with nbgrader (its settings
read from nbgrader_config.py, with no flag but the temporary folders), then the trusted grade,
the gradebook push, feedback through nbgrader's release_feedback/fetch_feedback, exports and the
class report. nbgrader's own feedback is checked too: no hidden test, no kit path."""

from __future__ import annotations

import ast
import csv
import html as html_module
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import nbformat
import pytest

import course_config
from autograder.samples import variants, write_samples
from tests.test_instructor_outputs import GRADESCOPE_SCHEMA

ROOT = Path(course_config.ROOT)
ASSIGNMENT = "onehot"
NOTEBOOK = course_config.ASSIGNMENTS[ASSIGNMENT].notebook
MISTAKE = "mistake-one-hot-float64"
STUDENTS = {"ada": "solution", "ben": "blank-release", "cy": MISTAKE}


def run(*command: str | Path, cwd: Path = ROOT, env: dict | None = None,
        ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True,
                          check=False, env=env, timeout=900)
    assert proc.returncode in ok, f"{command}: {proc.returncode}\n{proc.stdout[-3000:]}" \
                                  f"\n{proc.stderr[-5000:]}"
    return proc


def hidden_strings() -> set[str]:
    """String constants of the hidden cases that no notebook a student sees holds."""
    tree = ast.parse((ROOT / "autograder" / "checks" / ASSIGNMENT / "cases.py").read_text())
    public = ((ROOT / "release" / ASSIGNMENT / NOTEBOOK).read_text(encoding="utf-8")
              + (ROOT / "solutions" / ASSIGNMENT / NOTEBOOK).read_text(encoding="utf-8"))
    found = {node.value for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    return {s for s in found if len(s) >= 4 and s not in public and json.dumps(s) not in public
            and "\n" not in s}


def check_source_lines() -> set[str]:
    """Lines of code of the hidden checks (not their messages' text alone)."""
    source = (ROOT / "autograder" / "checks" / ASSIGNMENT / f"test_{ASSIGNMENT}.py").read_text()
    return {line.strip() for line in source.splitlines()
            if len(line.strip()) > 25 and not line.strip().startswith(("#", "f\"", "\""))
            and ("(" in line or "=" in line)}


def assert_nothing_hidden(html: str, where: str) -> None:
    """Neither the page nor its text (tags dropped, entities decoded) holds a hidden input, a
    line of the checks' code or a path of the kit."""
    text = html_module.unescape(re.sub(r"<[^>]+>", "", html))
    for page in (html, text):
        for secret in hidden_strings():
            assert secret not in page, f"{where} holds the hidden input {secret!r}"
        for line in check_source_lines():
            assert line not in page, f"{where} holds the check source line {line!r}"
        for path in (str(ROOT), "autograder/checks", "autograder.inkernel", "run_check",
                     "BEGIN HIDDEN TESTS", "cases.py"):
            assert path not in page, f"{where} holds {path!r}"


def student_flags(tmp: Path, student: str) -> tuple[str, ...]:
    """What a student's own account would give: the course and exchange (from a system-wide
    config), their name (the OS user) and their own nbgrader cache (in their home), where
    fetch_feedback finds their submissions."""
    return (f"--course={course_config.COURSE_ID}", f"--Exchange.root={tmp / 'exchange'}",
            f"--CourseDirectory.student_id={student}",
            f"--Exchange.cache={tmp / 'home' / student / '.nbgrader_cache'}")


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The class, up to the collected submitted/ tree."""
    tmp = tmp_path_factory.mktemp("class")
    exchange, course = tmp / "exchange", tmp / "course"
    shutil.copytree(ROOT / "source" / ASSIGNMENT, course / "source" / ASSIGNMENT)
    env = {**os.environ, "RNNKIT_EXCHANGE": str(exchange),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    db = f"sqlite:///{tmp}/nbgrader-gradebook.db"
    course_flags = (f"--CourseDirectory.root={course}", f"--CourseDirectory.db_url={db}")
    nbgrader = (sys.executable, "-m", "nbgrader")
    exchange.mkdir()
    run(*nbgrader, "generate_assignment", ASSIGNMENT, "--force", *course_flags, env=env)
    # no --course: the course id comes from nbgrader_config.py
    run(*nbgrader, "release_assignment", ASSIGNMENT, *course_flags, env=env)
    samples = tmp / "samples"
    written = {p.parts[-3]: p for p in write_samples([ASSIGNMENT], samples)}
    for student, sample in STUDENTS.items():
        home = tmp / "home" / student
        home.mkdir(parents=True)
        # each student runs from their own folder, without the course's nbgrader_config.py
        run(*nbgrader, "fetch_assignment", ASSIGNMENT, *student_flags(tmp, student), cwd=home,
            env=env)
        fetched = home / ASSIGNMENT / NOTEBOOK
        assert fetched.is_file()
        shutil.copyfile(written[sample], fetched)
        run(*nbgrader, "submit", ASSIGNMENT, *student_flags(tmp, student), cwd=home, env=env)
    run(*nbgrader, "collect", ASSIGNMENT, *course_flags, env=env)
    submitted = course / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == sorted(STUDENTS)
    return {"tmp": tmp, "course": course, "exchange": exchange, "env": env, "db": db,
            "course_flags": course_flags,
            "submitted": submitted, "nbgrader": nbgrader}


@pytest.fixture(scope="module")
def graded(course: dict) -> dict:
    grades = course["course"] / "grades.json"
    run(sys.executable, "-m", "autograder", "grade", course["submitted"], "--store",
        course["course"] / "grades", "--json", grades, "--quiet", env=course["env"])
    data = json.loads(grades.read_text())
    return {"path": grades, "data": data,
            "by_student": {s["student"]: s for s in data["submissions"]}}


def test_trusted_scores_of_the_collected_submissions(graded: dict) -> None:
    by_student = graded["by_student"]
    assert sorted(by_student) == sorted(STUDENTS)
    full = by_student["ada"]["max_score"]
    assert by_student["ada"]["score"] == full > 0
    assert by_student["ben"]["score"] == 0
    loses = next(v.loses for v in variants(ASSIGNMENT) if v.student == MISTAKE)
    lost = {c["name"] for c in by_student["cy"]["checks"] if not c["passed"]}
    assert lost == set(loses)
    measured = {c["name"]: c["measured"] for c in by_student["ada"]["checks"] if c["measured"]}
    assert measured["hihello_model_predicts_ihello"] == {"char_accuracy": 1.0}


def test_gradebook_push_fills_names_and_times(course: dict, graded: dict) -> None:
    from nbgrader.api import Gradebook
    from nbgrader.utils import parse_utc

    roster = course["tmp"] / "students.csv"
    roster.write_text("id,first_name,last_name,email\nada,Ada,Lovelace,ada@example.org\n"
                      "ben,Ben,Franklin,\ncy,Cy,Young,cy@example.org\n")
    db = f"sqlite:///{course['tmp']}/fresh-gradebook.db"
    run(sys.executable, "-m", "autograder", "gradebook", graded["path"], "--db", db,
        "--submitted", course["submitted"], "--roster", roster, env=course["env"])
    with Gradebook(db, course_config.COURSE_ID) as gradebook:
        for student, result in graded["by_student"].items():
            submission = gradebook.find_submission(ASSIGNMENT, student)
            assert (submission.score, submission.max_score) == (result["score"],
                                                                 result["max_score"])
            stamp = (course["submitted"] / student / ASSIGNMENT / "timestamp.txt").read_text()
            assert submission.timestamp == parse_utc(stamp.strip())
        assert gradebook.find_student("ada").last_name == "Lovelace"
        assert gradebook.find_student("cy").email == "cy@example.org"


def test_trusted_feedback_reaches_the_student_and_hides_the_checks(course: dict,
                                                                   graded: dict) -> None:
    feedback = course["course"] / "feedback"
    run(sys.executable, "-m", "autograder", "feedback", graded["path"], "--out", feedback,
        "--submitted", course["submitted"], env=course["env"])
    stem = Path(NOTEBOOK).stem
    for student, result in graded["by_student"].items():
        page = (feedback / student / ASSIGNMENT / f"{stem}.html").read_text()
        assert f"<strong>{result['score']:g}</strong>" in page
        for check in result["checks"]:
            assert check["name"] in page
        assert_nothing_hidden(page, f"{student}'s feedback")
    run(*course["nbgrader"], "release_feedback", ASSIGNMENT, *course["course_flags"],
        env=course["env"])
    home = course["tmp"] / "home" / "cy"
    run(*course["nbgrader"], "fetch_feedback", ASSIGNMENT, *student_flags(course["tmp"], "cy"),
        cwd=home, env=course["env"])
    fetched = list((home / ASSIGNMENT / "feedback").rglob(f"{stem}.html"))
    assert len(fetched) == 1
    assert fetched[0].read_text() == (feedback / "cy" / ASSIGNMENT / f"{stem}.html").read_text()
    assert "one_hot_is_float32" in fetched[0].read_text()


def test_nbgrader_own_feedback_hides_the_hidden_tests(course: dict) -> None:
    """nbgrader autograde (one student: the blank release, every hidden test failing) and its
    generate_feedback: the hooks, their tracebacks and the kit's paths are gone."""
    flags = (*course["course_flags"], "--student=ben")
    run(*course["nbgrader"], "autograde", ASSIGNMENT, *flags, env=course["env"])
    autograded = course["course"] / "autograded" / "ben" / ASSIGNMENT / NOTEBOOK
    assert "run_check" in autograded.read_text()  # what the preprocessor has to hide
    run(*course["nbgrader"], "generate_feedback", ASSIGNMENT, *flags, "--force",
        f"--CourseDirectory.feedback_directory={course['tmp'] / 'nbgrader-feedback'}",
        env=course["env"])
    page = course["tmp"] / "nbgrader-feedback" / "ben" / ASSIGNMENT / \
        f"{Path(NOTEBOOK).stem}.html"
    html = page.read_text()
    assert "hidden tests ran here" in html
    assert_nothing_hidden(html, "nbgrader's feedback")
    graded_cells = [c for c in nbformat.read(str(autograded), as_version=4).cells
                    if c.metadata.get("nbgrader", {}).get("grade")]
    assert graded_cells and "NotImplementedError" in html


def test_exports_match_the_results(course: dict, graded: dict) -> None:
    out = course["tmp"] / "exports"
    run(sys.executable, "-m", "autograder", "export", graded["path"], "--csv",
        out / "grades.csv", "--gradescope", out / "gradescope", env=course["env"])
    totals = {row["student"]: float(row[ASSIGNMENT])
              for row in csv.DictReader((out / "grades.csv").open())}
    assert totals == {s: r["score"] for s, r in graded["by_student"].items()}
    checks = list(csv.DictReader((out / "grades-checks.csv").open()))
    assert len(checks) == sum(len(r["checks"]) for r in graded["by_student"].values())
    for student, result in graded["by_student"].items():
        data = json.loads((out / "gradescope" / student / ASSIGNMENT / "results.json").read_text())
        jsonschema.validate(data, GRADESCOPE_SCHEMA)
        assert data["score"] == result["score"]
        assert [(t["name"], t["score"]) for t in data["tests"]] == [
            (c["name"], c["score"]) for c in result["checks"]]


def test_class_report_of_the_class(course: dict, graded: dict) -> None:
    out = course["tmp"] / "report.html"
    run(sys.executable, "-m", "autograder", "report", graded["path"], "--out", out,
        "--submitted", course["submitted"], env=course["env"])
    html = out.read_text()
    assert html.count("data:image/png;base64,") == 3
    # the mistake is the solution with one line changed: flagged for a look, as a pair
    similar = html.split('id="similar"')[1]
    assert "<td>ada</td>" in similar and "<td>cy</td>" in similar and "<td>ben</td>" not in similar
