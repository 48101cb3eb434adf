"""Feedback pages, exports and the class report, from a synthetic results file (no grading)."""

from __future__ import annotations

import csv
import json
import os
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


def _sentences(text: str) -> list[str]:
    """The sentences and clauses of a message, normalised, for finding one said twice."""
    parts = re.split(r"(?<=[.;:!?])\s+|;\s*", " ".join(text.split()))
    return [p.strip(" .;:").lower() for p in parts if len(p.strip(" .;:")) > 12]


def _text(html: str) -> str:
    import html as html_module

    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_feedback_goes_by_exercise_with_the_submission_time(results_file: Path,
                                                             submitted: Path,
                                                             tmp_path: Path) -> None:
    out = tmp_path / "feedback"
    assert cli("feedback", results_file, "--out", out, "--submitted", submitted).returncode == 4
    bob = (out / "bob" / "onehot" / f"{Path(NOTEBOOK).stem}.html").read_text()
    # The titles of the notebook, in its order, each with what it asks and its points.
    titles = re.findall(r"<h2><span>([^<]+)</span><span class=\"points\">([^<]+)</span>", bob)
    assert titles == [("Exercise 1", "2 / 2"), ("Exercise 4", "0 / 1"),
                      ("Exercise 9", "0 / 2")], titles
    text = _text(bob)
    assert "Write build_vocabulary(text)." in text
    assert "submitted 2026-12-01 10:00:00 UTC" in text
    # Each check under its exercise reads what it asks (the check's headline), then what was
    # found: the headline once, the id small beside it.
    assert "build_vocabulary should list each character once, in sorted order. " \
           "vocabulary_is_sorted_and_unique 2 / 2 passed" in text
    assert text.index("Exercise 4") < text.index("one_hot_is_float32") < text.index("Exercise 9")
    # No submitted/ tree: no time, and the page says nothing false about it.
    plain = tmp_path / "plain"
    cli("feedback", results_file, "--out", plain)
    assert "submitted" not in _text((plain / "bob" / "onehot" / f"{Path(NOTEBOOK).stem}.html")
                                    .read_text())


def test_an_untouched_exercise_is_one_line_not_attempted() -> None:
    """An exercise whose code still raises the release's NotImplementedError reads as one line;
    an exercise that fails for another reason, or whose check fails only because another
    exercise was not done, keeps its rows, with the exercise to do first named."""
    from autograder.feedback import page

    def failed(name: str, points: float, message: str) -> CheckResult:
        return CheckResult(name, 0.0, points, False, message)

    result = SubmissionResult("erin", "onehot", NOTEBOOK, [
        failed("vocabulary_is_sorted_and_unique", 2, "build_vocabulary should list each "
               "character once, in sorted order. The grader ran your code: build_vocabulary "
               "raised NotImplementedError"),
        failed("vocabulary_rejects_empty_text", 1, "build_vocabulary('') should raise "
               "ValueError; it raised NotImplementedError"),
        failed("one_hot_has_vocab_axis_last", 3, "one_hot should return (batch, steps, vocab) "
               "arrays with a single 1 per step. The grader ran your code: one_hot raised "
               "NotImplementedError"),
        failed("one_hot_is_float32", 1, "one_hot should return float32 (Keras' to_categorical "
               "gives float64). The dtype is float64, not float32"),
        failed("char_rnn_parameter_count", 1, "build_char_rnn's parameter count should match "
               "the formula for your HIDDEN_UNITS. Your code could not be checked: the "
               "notebook does not define HIDDEN_UNITS (did its cell run?)"),
        failed("hihello_model_predicts_ihello", 2, "hihello_model should predict 'ihello' from "
               "'hihell'. Your code could not be checked: the notebook does not define "
               "hihello_model (did its cell run?)"),
    ])
    html = page(result)
    text = _text(html)
    sections = re.split(r"<h2>", html)[1:]
    by_title = {re.search(r"<span>([^<]+)</span>", s).group(1): s for s in sections}
    assert list(by_title) == ["Exercise 1", "Exercise 4", "Exercise 8", "Exercise 9"]
    for title in ("Exercise 1", "Exercise 9"):  # untouched: one line, no row per check
        assert "Not attempted" in by_title[title] and "<tr" not in by_title[title], title
    assert text.count("Not attempted") == 2
    # Exercise 4 was attempted: one check raised, one found float64. Both rows stay.
    assert "Not attempted" not in by_title["Exercise 4"]
    assert by_title["Exercise 4"].count('<tr class="failed">') == 2
    # Exercise 8's check failed for want of Exercise 7's HIDDEN_UNITS: said so, in its row.
    assert "Not attempted" not in by_title["Exercise 8"]
    assert "(HIDDEN_UNITS is part of Exercise 7.)" in text
    assert "NotImplementedError" not in by_title["Exercise 1"].split("Not attempted")[0]


def test_no_message_says_a_sentence_twice() -> None:
    """The headline of a check and the detail of its failure used to repeat each other
    ("build_vocabulary('') should raise ValueError. build_vocabulary('') should raise
    ValueError; it raised NotImplementedError"): said once, on every channel."""
    from autograder.checks.lib import CheckFailed
    from autograder.feedback import detail
    from autograder.scoring.plugin import student_message

    headline = "build_vocabulary('') should raise ValueError."
    message = student_message(headline, CheckFailed(
        "build_vocabulary('') should raise ValueError; it raised NotImplementedError"))
    assert message == "build_vocabulary('') should raise ValueError; it raised " \
                      "NotImplementedError"
    sentences = _sentences(message)
    assert len(sentences) == len(set(sentences)), sentences
    # A detail that adds to the headline keeps both.
    other = student_message("one_hot should return float32.", CheckFailed("the dtype is float64"))
    assert other == "one_hot should return float32. The dtype is float64"
    assert detail("one_hot should return float32.", other) == "The dtype is float64"


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
    # The page's one script is its own (the table sort); a student's text stays text.
    assert html.count("<script") == 1 and "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing fetched
    # pass rates, hardest first: one_hot_is_float32 passes 1 of the 3 graded
    assert html.index("one_hot_is_float32</td>") < html.index("vocabulary_is_sorted_and_unique</td>")
    assert "ungraded</td><td>the machine was too busy" in html
    assert "timed out</td><td>the notebook ran past its time limit" in html
    similar = re.search(r"<td>onehot</td><td>(alice|bob)</td><td>(alice|bob)</td>", html)
    assert similar and similar.group(1) != similar.group(2)  # same code flagged, as a pair
    assert "carol" not in html.split('id="similar"')[1]  # the blank release is boilerplate
    assert identical_saved_files(results, submitted) == []  # only declared files count


def _results_of(path: Path) -> list[SubmissionResult]:
    return [SubmissionResult.from_dict(s) for s in json.loads(path.read_text())["submissions"]]


def test_score_histogram_counts_whole_students_in_readable_charts() -> None:
    """A bar per whole score, whole numbers of students on the axis (never 0.5 of one), and
    charts drawn at the page's width so that their text is not shrunk."""
    from autograder import class_report

    scores = {"onehot": [24, 24, 22, 0, 17], "windows": [20, 14, 14]}
    results = [SubmissionResult(f"s{i}", a, "x.ipynb", [CheckResult("c", float(v), top, v == top)])
               for a, top in (("onehot", 24.0), ("windows", 20.0)) for i, v in enumerate(scores[a])]
    fig = class_report.score_figure(results, ["onehot", "windows"])
    assert fig.get_figwidth() * class_report.DPI == 1152
    for ax, assignment in zip(fig.axes, ("onehot", "windows")):
        heights = [patch.get_height() for patch in ax.patches]
        lefts = [patch.get_x() for patch in ax.patches]
        top = 24 if assignment == "onehot" else 20
        assert len(heights) == top + 1  # one bar per score 0..top
        assert lefts == [v - 0.5 for v in range(top + 1)]
        assert sorted(h for h in heights if h) == sorted(
            __import__("collections").Counter(scores[assignment]).values())
        ticks = [t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks
        assert ax.yaxis.label.get_text() == "students"
        assert min(label.get_fontsize() for label in ax.get_xticklabels()) >= 12
    import matplotlib.pyplot as plt

    plt.close(fig)
    assert class_report.score_bins(100)[:3] == [-0.5, 3.5, 7.5]  # wider bars, still whole


def test_report_has_every_students_totals(results_file: Path) -> None:
    from autograder.class_report import render

    html = render(_results_of(results_file))
    table = html.split('id="totals"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>(\w+)</td>(.*?)</tr>", table, re.S)
    cells = {student: re.findall(r'data-sort="([^"]*)">([^<]*)<', rest)
             for student, rest in rows}
    assert [student for student, _ in rows] == ["alice", "bob", "carol", "dave"]
    assert [text for _, text in cells["alice"]] == ["5", "5", "100%"]
    # carol's only submission is ungraded: no score anywhere, never a 0
    assert [text.strip() for _, text in cells["carol"]] == ["ungraded", "ungraded", "-"]
    assert [text for _, text in cells["dave"]] == ["0", "0", "0%"]
    assert [float(sort) for sort, _ in cells["bob"]][:2] == [2.0, 2.0]


def test_report_flags_a_holdout_accuracy_beyond_honest_training() -> None:
    """Above the bound of course_config.REVIEW_ABOVE: listed for a person to look at, with the
    score as graded; at the best honest figure: not listed."""
    import course_config
    from autograder.class_report import beyond_honest, render

    bound = course_config.REVIEW_ABOVE["sentiment"]["holdout_accuracy"]
    assert 0.877 < bound < 0.947  # the best honest model, a model trained on the reserve

    def sentiment(student: str, accuracy: float) -> SubmissionResult:
        return SubmissionResult(student, "sentiment", "sentiment.ipynb", [
            CheckResult("saved_model_accuracy", 3, 3, True, "", {"holdout_accuracy": accuracy}),
            CheckResult("no_gap_between_test_and_holdout", 2, 2, True, "",
                        {"holdout_accuracy": accuracy, "test_accuracy": accuracy - 0.01})])

    results = [sentiment("best", 0.877), sentiment("knows", 0.947), sentiment("fair", 0.8)]
    flagged = beyond_honest(results)
    assert [(row["student"], row["value"]) for row in flagged] == [("knows", 0.947)]
    assert all(r.score == 5 for r in results)  # nothing changes a score
    section = render(results).split('id="beyond"')[1].split("<h2")[0]
    assert "<td>knows</td>" in section and "0.9470" in section and "5 / 5" in section
    assert "<td>best</td>" not in section and "<td>fair</td>" not in section
    assert "None." in render(results[:1]).split('id="beyond"')[1].split("<h2")[0]


def test_report_renders_in_a_headless_browser(results_file: Path, submitted: Path,
                                              tmp_path: Path) -> None:
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("/usr/bin/chromium is missing (apt-get install -y chromium)")
    browser = [str(chromium), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'profile'}"]
    out = tmp_path / "report.html"
    proc = cli("report", results_file, "--out", out, "--submitted", submitted)
    assert proc.returncode == 0, proc.stderr
    # The test adds a script that marks each image the browser decoded, then sorts the totals
    # by their total (a click on its title: highest first) and records the students' order.
    marker = ("<script>window.addEventListener('load', () => {"
              "document.querySelectorAll('img').forEach(i => i.setAttribute('data-rendered',"
              " i.complete ? i.naturalWidth : 0));"
              "const titles = document.querySelectorAll('#totals thead th');"
              "titles[titles.length - 2].click();"
              "document.body.setAttribute('data-order', Array.from(document.querySelectorAll("
              "'#totals tbody tr')).map(r => r.cells[0].textContent).join(','));"
              "titles[0].click(); titles[0].click();"
              "document.body.setAttribute('data-by-name', Array.from(document.querySelectorAll("
              "'#totals tbody tr')).map(r => r.cells[0].textContent).join(','));"
              "})</script>")
    probe = tmp_path / "probe.html"
    probe.write_text(out.read_text().replace("</body>", marker + "</body>"))
    proc = subprocess.run(
        [*browser, "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    widths = re.findall(r'<img[^>]*data-rendered="(\d+)"', proc.stdout)
    assert len(widths) == out.read_text().count("<img ") == 3, proc.stdout[:2000]
    assert all(int(w) > 100 for w in widths), widths
    # By total, highest first (carol's ungraded counts nothing); by name, the other way.
    assert 'data-order="alice,bob,carol,dave"' in proc.stdout or \
        'data-order="alice,bob,dave,carol"' in proc.stdout, proc.stdout[-3000:]
    assert 'data-by-name="dave,carol,bob,alice"' in proc.stdout
    # A screenshot at 1280 pixels wide, kept for a person to read (labels, charts, table).
    shots = Path(os.environ.get("RNNKIT_SCREENSHOTS",
                                Path(course_config.ROOT) / "build" / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    shot = shots / "class-report.png"
    shot.unlink(missing_ok=True)
    proc = subprocess.run(
        [*browser, "--hide-scrollbars", "--window-size=1280,2400", "--virtual-time-budget=5000",
         f"--screenshot={shot}", out.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0 and shot.stat().st_size > 10_000, proc.stderr[-2000:]


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
