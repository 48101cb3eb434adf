"""Feedback pages, exports and the class report, from a synthetic results file (no grading)."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

import course_config
from autograder.scoring.results import CheckResult, SubmissionResult

ROOT = Path(course_config.ROOT)
NOTEBOOK = course_config.ASSIGNMENTS["onehot"].notebook
KIT_PATH = f"{ROOT}/autograder/checks/onehot/cases.py"

# Gradescope's documented autograder output (results/results.json).
GRADESCOPE_SCHEMA = {
    "type": "object",
    "required": ["tests"],
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
        "stdout_visibility": {"enum": ["hidden", "after_due_date", "after_published",
                                       "visible"]},
        "tests": {"type": "array", "items": {
            "type": "object",
            "required": ["name", "score", "max_score", "output", "visibility"],
            "properties": {
                "name": {"type": "string"}, "number": {"type": "string"},
                "score": {"type": "number"}, "max_score": {"type": "number"},
                "output": {"type": "string"}, "tags": {"type": "array"},
                "visibility": {"enum": ["hidden", "after_due_date", "after_published",
                                        "visible"]},
            },
        }},
    },
}


def synthetic() -> list[SubmissionResult]:
    def checks(failed: dict[str, str]) -> list[CheckResult]:
        names = {"vocabulary_is_sorted_and_unique": 2, "one_hot_is_float32": 1,
                 "hihello_model_predicts_ihello": 2}
        return [CheckResult(name, 0.0 if name in failed else points, points,
                            name not in failed, failed.get(name, ""),
                            {"char_accuracy": 0.5 if name in failed else 1.0}
                            if name == "hihello_model_predicts_ihello" else {})
                for name, points in names.items()]

    return [
        SubmissionResult("alice", "onehot", NOTEBOOK, checks({}), seconds=20.5,
                         cpu_seconds=11.0),
        SubmissionResult("bob", "onehot", NOTEBOOK, checks({
            "one_hot_is_float32": "one_hot should return float32 <script>alert(1)</script>",
            "hihello_model_predicts_ihello": f"it gets 3 of 6 right (see {KIT_PATH})"}),
            seconds=30.0, cpu_seconds=19.0),
        SubmissionResult("carol", "onehot", NOTEBOOK, checks({}), seconds=90.0,
                         cpu_seconds=2.0, ungraded="the machine was too busy"),
        SubmissionResult("dave", "onehot", NOTEBOOK, checks({
            "vocabulary_is_sorted_and_unique": "the notebook ran past its time limit",
            "one_hot_is_float32": "one_hot should return float32 <script>alert(1)</script>",
            "hihello_model_predicts_ihello": "the notebook ran past its time limit"}),
            problem="the notebook ran past its time limit of 240 CPU seconds",
            seconds=250.0, cpu_seconds=240.0),
    ]


@pytest.fixture
def results_file(tmp_path: Path) -> Path:
    path = tmp_path / "grades.json"
    path.write_text(json.dumps({"submissions": [r.to_dict() for r in synthetic()]}))
    return path


@pytest.fixture
def submitted(tmp_path: Path) -> Path:
    """alice and bob hand in the same solution (and the same saved file), dave the release."""
    tree = tmp_path / "submitted"
    for student, source in (("alice", "solutions"), ("bob", "solutions"), ("carol", "release"),
                            ("dave", "release")):
        folder = tree / student / "onehot"
        folder.mkdir(parents=True)
        shutil.copy(ROOT / source / "onehot" / NOTEBOOK, folder / NOTEBOOK)
        (folder / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
    return tree


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, check=False)


def test_feedback_pages_say_every_check_and_nothing_hidden(results_file: Path,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "feedback"
    proc = cli("feedback", results_file, "--out", out)
    assert proc.returncode == 4, proc.stderr  # carol is ungraded: said, and exit 4
    assert "carol/onehot is ungraded" in proc.stderr
    stem = Path(NOTEBOOK).stem
    pages = {p.relative_to(out).as_posix(): p.read_text() for p in out.rglob("*.html")}
    assert set(pages) == {f"{s}/onehot/{stem}.html" for s in ("alice", "bob", "carol", "dave")}
    bob = pages[f"bob/onehot/{stem}.html"]
    assert "Score: <strong>2</strong> of\n   5 points" in bob
    for name in ("vocabulary_is_sorted_and_unique", "one_hot_is_float32",
                 "hihello_model_predicts_ihello"):
        assert name in bob
    assert "char_accuracy = 0.5" in bob and "it gets 3 of 6 right" in bob
    assert "<script>" not in bob and "&lt;script&gt;alert(1)&lt;/script&gt;" in bob
    carol = pages[f"carol/onehot/{stem}.html"]
    assert "Not graded yet" in carol and "Score:" not in carol
    for page in pages.values():
        assert str(ROOT) not in page and "cases.py" not in page and "/autograder/" not in page


def test_csv_totals_equal_the_json_and_ungraded_is_never_zero(results_file: Path,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "grades.csv"
    assert cli("export", results_file, "--csv", out).returncode == 4
    rows = list(csv.DictReader(out.open()))
    totals = {row["student"]: row["onehot"] for row in rows}
    assert totals == {"alice": "5", "bob": "2", "carol": "ungraded", "dave": "0"}
    assert {row["onehot max"] for row in rows} == {"5"}
    checks = list(csv.DictReader((tmp_path / "grades-checks.csv").open()))
    assert [row["status"] for row in checks if row["student"] == "carol"] == ["ungraded"]
    assert [row["score"] for row in checks if row["student"] == "carol"] == [""]
    for student in ("alice", "bob", "dave"):
        mine = [row for row in checks if row["student"] == student]
        assert sum(float(row["score"]) for row in mine) == float(totals[student])
    measured = [json.loads(row["measured"]) for row in checks if row["student"] == "bob"
                and row["check"] == "hihello_model_predicts_ihello"]
    assert measured == [{"char_accuracy": 0.5}]
    assert all(str(ROOT) not in row["message"] for row in checks)


def test_gradescope_results_follow_the_schema(results_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "gradescope"
    (out / "carol" / "onehot").mkdir(parents=True)
    (out / "carol" / "onehot" / "results.json").write_text('{"score": 0, "tests": []}')
    assert cli("export", results_file, "--gradescope", out).returncode == 4
    for student, score in (("alice", 5.0), ("bob", 2.0), ("dave", 0.0)):
        data = json.loads((out / student / "onehot" / "results.json").read_text())
        jsonschema.validate(data, GRADESCOPE_SCHEMA)
        assert data["score"] == score == sum(t["score"] for t in data["tests"])
        assert [t["name"] for t in data["tests"]] == [
            "vocabulary_is_sorted_and_unique", "one_hot_is_float32",
            "hihello_model_predicts_ihello"]
    assert not (out / "carol" / "onehot" / "results.json").exists()  # a stale 0 is removed
    assert "too busy" in (out / "carol" / "onehot" / "UNGRADED").read_text()


def test_report_flags_copies_and_lists_troubles(results_file: Path, submitted: Path,
                                                tmp_path: Path) -> None:
    for student in ("alice", "bob"):
        (submitted / student / "onehot" / "model.keras").write_bytes(b"same bytes")
    from autograder.class_report import identical_saved_files, render
    from autograder.scoring.results import SubmissionResult as S

    results = [S.from_dict(s) for s in json.loads(results_file.read_text())["submissions"]]
    html = render(results, submitted)
    assert html.count('<img alt=') == 3
    assert len(re.findall(r'src="data:image/png;base64,[A-Za-z0-9+/=]{200,}"', html)) == 3
    assert "<script>" not in html
    # pass rates, hardest first: one_hot_is_float32 passes 1 of the 3 graded
    assert html.index("one_hot_is_float32</td>") < html.index("vocabulary_is_sorted_and_unique</td>")
    assert "ungraded</td><td>the machine was too busy" in html
    assert "timed out</td><td>the notebook ran past its time limit" in html
    similar = re.search(r"<td>onehot</td><td>(alice|bob)</td><td>(alice|bob)</td>", html)
    assert similar and similar.group(1) != similar.group(2)  # same code flagged, as a pair
    assert "carol" not in html.split('id="similar"')[1]  # the blank release is boilerplate
    assert identical_saved_files(results, submitted) == []  # only declared files count


def test_report_renders_in_a_headless_browser(results_file: Path, submitted: Path,
                                              tmp_path: Path) -> None:
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("/usr/bin/chromium is missing (apt-get install -y chromium)")
    out = tmp_path / "report.html"
    proc = cli("report", results_file, "--out", out, "--submitted", submitted)
    assert proc.returncode == 0, proc.stderr
    # The report has no script; the test adds one that marks each image the browser decoded.
    marker = ("<script>window.addEventListener('load', () => document.querySelectorAll('img')"
              ".forEach(i => i.setAttribute('data-rendered', i.complete ? i.naturalWidth : 0)))"
              "</script>")
    probe = tmp_path / "probe.html"
    probe.write_text(out.read_text().replace("</body>", marker + "</body>"))
    proc = subprocess.run(
        [str(chromium), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    widths = re.findall(r'<img[^>]*data-rendered="(\d+)"', proc.stdout)
    assert len(widths) == out.read_text().count("<img ") == 3, proc.stdout[:2000]
    assert all(int(w) > 100 for w in widths), widths


def test_nbgrader_feedback_preprocessor_hides_hidden_tests() -> None:
    import nbformat
    from nbconvert.exporters import HTMLExporter

    from autograder.nbgrader_feedback import HideHiddenTests

    source = nbformat.read(str(ROOT / "source" / "onehot" / NOTEBOOK), as_version=4)
    cell = next(c for c in source.cells if "BEGIN HIDDEN TESTS" in c.source)
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout",
                               text="OK: each character once\nvocabulary_is_sorted_and_unique: "
                                    "passed\n"),
        nbformat.v4.new_output("error", ename="AssertionError", evalue="build_vocabulary should",
                               traceback=[f"File {ROOT}/autograder/inkernel.py", "run_check(...)"]),
    ]
    exporter = HTMLExporter()
    exporter.register_preprocessor(HideHiddenTests)  # registered as nbgrader does: not enabled
    html, _ = exporter.from_notebook_node(source)
    assert "hidden tests ran here" in html and "OK: each character once" in html
    for secret in ("run_check", "inkernel", "BEGIN HIDDEN", str(ROOT), ": passed"):
        assert secret not in html, secret
    assert "build_vocabulary should" in html
