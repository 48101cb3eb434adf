"""A class report for the instructor: one self-contained HTML page from the results of
`grade --json` (plots embedded as PNG data URIs; no file or network fetch when it is opened).

It shows the score distribution per assignment, a table of every student's totals (sortable
by any column with a click: the page's one script, inline), the pass rate of every check
(hardest first), the most common failure messages, the grading time per submission, the
submissions that crashed, timed out or were left ungraded, results better than honest training
reaches (`course_config.REVIEW_ABOVE`), and, given the submitted/ tree, submissions that look
copied: byte-identical saved models and near-identical code (copydetect's winnowing
fingerprints, with the released notebook's code as boilerplate). Those are flagged for a person
to look at; nothing here changes a score.

Charts are drawn at the page's width (72rem, 1152 pixels at 90 dpi) with 13-point text, so they
are shown at their own size and stay readable in a 1280-pixel-wide window.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import jinja2

import course_config
from autograder.export import assignments_of
from autograder.reports import write_atomic
from autograder.scoring.results import SubmissionResult

SIMILARITY_THRESHOLD = 0.9
"""Share of a notebook's own code (the released code left out) found in another student's
notebook above which the pair is flagged."""
TOP_MESSAGES = 20
DPI = 90
PAGE_INCHES = 1152 / DPI
"""Charts are as wide as the page's text (72rem): shown at their own size, never shrunk."""
FONT_POINTS = 13
PLOTS_PER_ROW = 3
HISTOGRAM_BARS = 30
"""At most this many bars in a score histogram: one per point up to 30 points, wider above."""


@dataclass(frozen=True)
class SimilarPair:
    assignment: str
    first: str
    second: str
    first_share: float
    """Share of `first`'s code found in `second`'s."""
    second_share: float
    overlap: int
    """Tokens in common."""


@dataclass(frozen=True)
class SameFile:
    assignment: str
    file: str
    sha256: str
    students: tuple[str, ...]


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.tight_layout()  # labels inside the figure: the image keeps the page's width
    fig.savefig(buffer, format="png", dpi=DPI)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": FONT_POINTS, "axes.titlesize": FONT_POINTS + 1,
                         "axes.labelsize": FONT_POINTS, "xtick.labelsize": FONT_POINTS - 1,
                         "ytick.labelsize": FONT_POINTS - 1, "legend.fontsize": FONT_POINTS - 1})
    return plt


def score_bins(top: float) -> list[float]:
    """Histogram edges for scores 0..`top`: one bar per whole point, centred on it (or per
    `width` points past HISTOGRAM_BARS), the last one holding full marks."""
    width = max(1, math.ceil((math.ceil(top) + 1) / HISTOGRAM_BARS))
    edges = [-0.5 + width * i for i in range(math.ceil((math.ceil(top) + 1) / width) + 1)]
    return edges


def score_plot(results: list[SubmissionResult], assignments: list[str]) -> str | None:
    """The score histograms as a PNG data URI (None when nothing was graded)."""
    fig = score_figure(results, assignments)
    return None if fig is None else _png(fig)


def score_figure(results: list[SubmissionResult], assignments: list[str]):
    """One histogram per assignment, how many students got each score: a bar per whole
    score, whole counts on the axis."""
    from matplotlib.ticker import MaxNLocator

    graded = [r for r in results if not r.ungraded]
    if not graded:
        return None
    plt = _pyplot()
    columns = min(PLOTS_PER_ROW, len(assignments))
    rows = math.ceil(len(assignments) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(PAGE_INCHES, 3.6 * rows), squeeze=False)
    for ax in axes.flat[len(assignments):]:
        ax.set_visible(False)
    for ax, assignment in zip(axes.flat, assignments):
        mine = [r for r in graded if r.assignment == assignment]
        top = max((r.max_score for r in mine), default=0) or 1
        ax.hist([r.score for r in mine], bins=score_bins(top), color="#4a78b0",
                edgecolor="white")
        ax.set_xlim(-0.5, math.ceil(top) + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=8, steps=[1, 2, 5, 10]))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(f"{assignment} ({len(mine)} graded)")
        ax.set_xlabel(f"score (of {top:g})")
        ax.set_ylabel("students")
    return fig


def pass_rates(results: list[SubmissionResult]) -> list[dict]:
    """Every check's pass rate over graded submissions, hardest first."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        if r.ungraded:
            continue
        for c in r.checks:
            entry = counts[(r.assignment, c.name)]
            entry[0] += c.passed
            entry[1] += 1
    rows = [{"assignment": a, "check": name, "passed": p, "graded": n, "rate": p / n}
            for (a, name), (p, n) in counts.items() if n]
    return sorted(rows, key=lambda row: (row["rate"], row["assignment"], row["check"]))


def pass_rate_plot(rows: list[dict]) -> str | None:
    if not rows:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(PAGE_INCHES, 0.32 * len(rows) + 1.2))
    labels = [f"{row['assignment']}: {row['check']}" for row in rows][::-1]
    ax.barh(labels, [100 * row["rate"] for row in rows][::-1], color="#5a9e5a")
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of graded submissions that pass")
    ax.tick_params(axis="y", labelsize=FONT_POINTS - 1)
    ax.margins(y=0.5 / max(1, len(rows)))
    return _png(fig)


def failure_messages(results: list[SubmissionResult], top: int = TOP_MESSAGES) -> list[dict]:
    counter = Counter((r.assignment, c.name, c.message) for r in results if not r.ungraded
                      for c in r.checks if not c.passed and c.message)
    return [{"assignment": a, "check": name, "message": message, "count": count}
            for (a, name, message), count in counter.most_common(top)]


def time_plot(results: list[SubmissionResult], bars_up_to: int = 60) -> str | None:
    """Wall and CPU seconds per submission: a pair of bars each, the slowest on top and the
    names beside them (horizontal, so that they read at full size), or histograms for a
    large class."""
    timed = [r for r in results if r.seconds or r.cpu_seconds]
    if not timed:
        return None
    plt = _pyplot()
    if len(timed) > bars_up_to:
        fig, ax = plt.subplots(figsize=(PAGE_INCHES, 4))
        ax.hist([[r.seconds for r in timed], [r.cpu_seconds for r in timed]], bins=30,
                label=["wall s", "CPU s (student code)"], color=["#b07a4a", "#4a78b0"])
        ax.set_xlabel("seconds")
        ax.set_ylabel("submissions")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.legend()
        return _png(fig)
    timed = sorted(timed, key=lambda r: r.seconds)
    fig, ax = plt.subplots(figsize=(PAGE_INCHES, 0.36 * len(timed) + 1.4))
    ys = range(len(timed))
    ax.barh([y + 0.2 for y in ys], [r.seconds for r in timed], height=0.4, label="wall s",
            color="#b07a4a")
    ax.barh([y - 0.2 for y in ys], [r.cpu_seconds for r in timed], height=0.4,
            label="CPU s (student code)", color="#4a78b0")
    ax.set_yticks(list(ys), [f"{r.student}/{r.assignment}" for r in timed],
                  fontsize=FONT_POINTS - 1)
    ax.margins(y=0.5 / len(timed))
    ax.set_xlabel("seconds")
    ax.legend(loc="lower right")
    return _png(fig)


def student_totals(results: list[SubmissionResult], assignments: list[str]) -> list[dict]:
    """One row per student: each assignment's score ("ungraded", or "-" when nothing was
    handed in), the total of what was graded and what the assignments are out of."""
    out_of = {a: max((r.max_score for r in results if r.assignment == a), default=0)
              for a in assignments}
    mine: dict[str, dict[str, SubmissionResult]] = defaultdict(dict)
    for r in results:
        mine[r.student][r.assignment] = r
    rows = []
    for student in sorted(mine):
        cells, total, ungraded = [], 0.0, 0
        for a in assignments:
            r = mine[student].get(a)
            if r is None:
                cells.append({"text": "-", "sort": -2})
            elif r.ungraded:
                ungraded += 1
                cells.append({"text": "ungraded", "sort": -1})
            else:
                total += r.score
                cells.append({"text": f"{r.score:g}", "sort": r.score})
        graded = len(mine[student]) - ungraded
        # An ungraded submission has no score, not 0: no total when nothing is graded, and no
        # share of the course's points while any is missing.
        rows.append({"student": student, "cells": cells, "total": round(total, 6),
                     "ungraded": ungraded, "graded": graded,
                     "share": None if ungraded else total / (sum(out_of.values()) or 1)})
    return rows


def beyond_honest(results: list[SubmissionResult]) -> list[dict]:
    """Figures the checks measured above what honest training reaches
    (`course_config.REVIEW_ABOVE`): one row per submission and figure, highest first."""
    rows = []
    for r in results:
        bounds = course_config.REVIEW_ABOVE.get(r.assignment, {})
        for name, bound in sorted(bounds.items()):
            values = [c.measured[name] for c in r.checks
                      if isinstance(c.measured.get(name), (int, float))]
            if values and max(values) > bound:
                rows.append({"student": r.student, "assignment": r.assignment, "figure": name,
                             "value": max(values), "bound": bound, "score": r.score,
                             "max_score": r.max_score, "ungraded": bool(r.ungraded)})
    return sorted(rows, key=lambda row: (-row["value"], row["student"]))


def troubles(results: list[SubmissionResult]) -> list[dict]:
    """Submissions that were ungraded, timed out or crashed, with what was said."""
    rows = []
    for r in results:
        if r.ungraded:
            rows.append({"student": r.student, "assignment": r.assignment, "kind": "ungraded",
                         "what": r.ungraded})
        elif r.problem:
            text = r.problem.lower()
            kind = "timed out" if ("time" in text or "seconds" in text) else "crashed"
            rows.append({"student": r.student, "assignment": r.assignment, "kind": kind,
                         "what": r.problem})
        if r.note:
            rows.append({"student": r.student, "assignment": r.assignment, "kind": "note",
                         "what": r.note})
    return rows


def _folder(submitted: Path, r: SubmissionResult) -> Path:
    return Path(submitted) / r.student / r.assignment


def identical_saved_files(results: list[SubmissionResult], submitted: Path) -> list[SameFile]:
    """Saved files (trained models) handed in byte for byte the same by several students."""
    groups: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for r in results:
        settings = course_config.ASSIGNMENTS.get(r.assignment)
        for name in settings.saved_files if settings else ():
            path = _folder(submitted, r) / name
            if path.is_file() and not path.is_symlink():
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                groups[(r.assignment, name, digest)].add(r.student)
    return [SameFile(a, name, digest, tuple(sorted(students)))
            for (a, name, digest), students in sorted(groups.items()) if len(students) > 1]


def _code(notebook: Path) -> str | None:
    try:
        data = json.loads(notebook.read_text(encoding="utf-8"))
        cells = data.get("cells", [])
        return "\n\n".join("".join(c.get("source", "")) if isinstance(c.get("source"), list)
                           else str(c.get("source", ""))
                           for c in cells if isinstance(c, dict)
                           and c.get("cell_type") == "code")
    except (OSError, ValueError, AttributeError, TypeError):
        return None


def similar_code(results: list[SubmissionResult], submitted: Path,
                 threshold: float = SIMILARITY_THRESHOLD) -> list[SimilarPair]:
    """Pairs of notebooks of one assignment whose own code (the release's left out) is
    near-identical, by copydetect."""
    from copydetect import CopyDetector

    pairs = []
    by_assignment: dict[str, list[SubmissionResult]] = defaultdict(list)
    for r in results:
        by_assignment[r.assignment].append(r)
    for assignment, mine in sorted(by_assignment.items()):
        with tempfile.TemporaryDirectory(prefix="rnnkit-similar-") as tmp:
            code_dir, boiler_dir = Path(tmp) / "code", Path(tmp) / "release"
            code_dir.mkdir()
            boiler_dir.mkdir()
            names = {}
            for index, r in enumerate(mine):
                code = _code(_folder(submitted, r) / r.notebook)
                if code and code.strip():
                    path = code_dir / f"s{index}.py"
                    path.write_text(code, encoding="utf-8")
                    names[str(path)] = r.student
            settings = course_config.ASSIGNMENTS.get(assignment)
            release = (Path(course_config.ROOT) / "release" / assignment /
                       settings.notebook) if settings else None
            boilerplate = _code(release) if release and release.is_file() else None
            if boilerplate:
                (boiler_dir / "release.py").write_text(boilerplate, encoding="utf-8")
            if len(names) < 2:
                continue
            detector = CopyDetector(test_dirs=[str(code_dir)], ref_dirs=[str(code_dir)],
                                    boilerplate_dirs=[str(boiler_dir)] if boilerplate else [],
                                    extensions=["py"], display_t=threshold, autoopen=False,
                                    silent=True)
            detector.run()
            for first_share, second_share, first, second, *_rest, overlap in \
                    detector.get_copied_code_list():
                if first == second or first not in names or second not in names:
                    continue
                pairs.append(SimilarPair(assignment, names[first], names[second],
                                         float(first_share), float(second_share), int(overlap)))
    return sorted(pairs, key=lambda p: (-max(p.first_share, p.second_share), p.assignment))


TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Class report: {{ course }}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .5rem; text-align: left;
         vertical-align: top; font-size: .9rem; }
td.n, th.n { text-align: right; white-space: nowrap; }
img { max-width: 100%; display: block; margin: .5rem 0 1rem; }
.flag { background: #fff3cd; padding: .6rem; border: 1px solid #e0c060; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th::after { content: " \\2195"; color: #999; }
table.sortable th[aria-sort="ascending"]::after { content: " \\2191"; color: #222; }
table.sortable th[aria-sort="descending"]::after { content: " \\2193"; color: #222; }
</style>
</head>
<body>
<h1>Class report: {{ course }}</h1>
<p>{{ counts.submissions }} submissions of {{ counts.students }} students
   ({{ counts.graded }} graded, {{ counts.ungraded }} ungraded).</p>

<h2 id="scores">Score distribution per assignment</h2>
{% if plots.scores %}<img alt="score distribution per assignment" src="{{ plots.scores }}">{% endif %}
<table>
<tr><th>assignment</th><th>graded</th><th>mean</th><th>median</th><th>out of</th></tr>
{% for row in summary %}<tr><td>{{ row.assignment }}</td><td class="n">{{ row.graded }}</td>
<td class="n">{{ row.mean }}</td><td class="n">{{ row.median }}</td>
<td class="n">{{ row.max }}</td></tr>{% endfor %}
</table>

<h2 id="students">Totals per student</h2>
<p>Click a column's title to sort by it (again for the other way).</p>
<table class="sortable" id="totals">
<thead><tr><th>student</th>{% for a in assignments %}<th class="n">{{ a }}
(of {{ out_of[a] }})</th>{% endfor %}<th class="n">total (of {{ out_of_total }})</th>
<th class="n">%</th></tr></thead>
<tbody>
{% for row in totals %}<tr><td>{{ row.student }}</td>{% for cell in row.cells %}
<td class="n" data-sort="{{ cell.sort }}">{{ cell.text }}</td>{% endfor %}
{% if row.graded %}<td class="n" data-sort="{{ row.total }}">{{ "%g"|format(row.total) }}{% if row.ungraded %}
(+ {{ row.ungraded }} ungraded){% endif %}</td>{% else %}<td class="n" data-sort="-1">ungraded</td>{% endif %}
{% if row.share is none %}<td class="n" data-sort="-1">-</td>{% else %}<td class="n" data-sort="{{ row.share }}">{{ "%.0f"|format(100 * row.share) }}%</td>{% endif %}</tr>
{% endfor %}</tbody>
</table>

<h2 id="checks">Pass rate of every check, hardest first</h2>
{% if plots.rates %}<img alt="pass rate of every check" src="{{ plots.rates }}">{% endif %}
<table>
<tr><th>assignment</th><th>check</th><th>passed</th><th>rate</th></tr>
{% for row in rates %}<tr><td>{{ row.assignment }}</td><td>{{ row.check }}</td>
<td class="n">{{ row.passed }} / {{ row.graded }}</td>
<td class="n">{{ "%.0f"|format(100 * row.rate) }}%</td></tr>{% endfor %}
</table>

<h2 id="messages">Most common failure messages</h2>
<table>
<tr><th>count</th><th>assignment</th><th>check</th><th>message</th></tr>
{% for row in messages %}<tr><td class="n">{{ row.count }}</td><td>{{ row.assignment }}</td>
<td>{{ row.check }}</td><td>{{ row.message }}</td></tr>{% endfor %}
</table>

<h2 id="time">Grading time per submission</h2>
{% if plots.time %}<img alt="grading time per submission" src="{{ plots.time }}">{% endif %}
<table>
<tr><th>student</th><th>assignment</th><th>wall s</th><th>CPU s</th></tr>
{% for r in slowest %}<tr><td>{{ r.student }}</td><td>{{ r.assignment }}</td>
<td class="n">{{ "%.1f"|format(r.seconds) }}</td>
<td class="n">{{ "%.1f"|format(r.cpu_seconds) }}</td></tr>{% endfor %}
</table>

<h2 id="troubles">Crashed, timed out or ungraded</h2>
{% if troubles %}<table>
<tr><th>student</th><th>assignment</th><th>what</th><th>said</th></tr>
{% for row in troubles %}<tr><td>{{ row.student }}</td><td>{{ row.assignment }}</td>
<td>{{ row.kind }}</td><td>{{ row.what }}</td></tr>{% endfor %}
</table>{% else %}<p>None.</p>{% endif %}

<h2 id="beyond">Better than honest training reaches</h2>
<p class="flag">For a person to look at, never a penalty: a figure the grader measured above
what any honest run of the notebook's training reached (the bounds and the runs they come from
are in <code>course_config.REVIEW_ABOVE</code>). It can mean a model trained on the reviews it
is measured on; it can also be a student who simply did better. The score stays as graded.</p>
{% if beyond %}<table>
<tr><th>student</th><th>assignment</th><th>figure</th><th>measured</th><th>bound (above
every honest run)</th><th>score</th></tr>
{% for row in beyond %}<tr><td>{{ row.student }}</td><td>{{ row.assignment }}</td>
<td>{{ row.figure }}</td><td class="n">{{ "%.4f"|format(row.value) }}</td>
<td class="n">{{ "%.4g"|format(row.bound) }}</td>
<td class="n">{% if row.ungraded %}ungraded{% else %}{{ "%g"|format(row.score) }} / {{ "%g"|format(row.max_score) }}{% endif %}</td></tr>{% endfor %}
</table>{% else %}<p>None.</p>{% endif %}

<h2 id="similar">Submissions that look copied</h2>
<p class="flag">For a person to look at: similar work can be honest (the same tutorial, a
study group) and nothing here changes a score.</p>
{% if submitted is none %}<p>Not checked: give <code>--submitted DIR</code> (the submitted/
tree) to compare saved models and code.</p>{% else %}
<h3>Byte-identical saved files</h3>
{% if same_files %}<table>
<tr><th>assignment</th><th>file</th><th>students</th><th>sha256</th></tr>
{% for s in same_files %}<tr><td>{{ s.assignment }}</td><td>{{ s.file }}</td>
<td>{{ s.students|join(", ") }}</td><td><code>{{ s.sha256[:16] }}</code></td></tr>{% endfor %}
</table>{% else %}<p>None.</p>{% endif %}
<h3>Near-identical code (copydetect, released code left out, threshold
{{ "%.0f"|format(100 * threshold) }}%)</h3>
{% if similar %}<table>
<tr><th>assignment</th><th>student</th><th>student</th><th>shares of own code found in the
other</th><th>tokens in common</th></tr>
{% for p in similar %}<tr><td>{{ p.assignment }}</td><td>{{ p.first }}</td><td>{{ p.second }}</td>
<td class="n">{{ "%.0f"|format(100 * p.first_share) }}% / {{ "%.0f"|format(100 * p.second_share) }}%</td>
<td class="n">{{ p.overlap }}</td></tr>{% endfor %}
</table>{% else %}<p>None.</p>{% endif %}
{% endif %}
<script>
// Sorts the totals table by the column whose title is clicked; the page works without it.
document.querySelectorAll("table.sortable").forEach(function (table) {
  var titles = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(titles, function (title, column) {
    title.addEventListener("click", function () {
      var numeric = title.classList.contains("n");
      var current = title.getAttribute("aria-sort");
      var ascending = current ? current === "descending" : !numeric;
      var rows = Array.prototype.slice.call(table.tBodies[0].rows);
      rows.sort(function (a, b) {
        var x = a.cells[column], y = b.cells[column];
        var order = numeric ? parseFloat(x.dataset.sort) - parseFloat(y.dataset.sort)
                            : x.textContent.localeCompare(y.textContent);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { table.tBodies[0].appendChild(row); });
      Array.prototype.forEach.call(titles, function (t) { t.removeAttribute("aria-sort"); });
      title.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    });
  });
});
</script>
</body>
</html>
"""


def _summary(results: list[SubmissionResult], assignments: list[str]) -> list[dict]:
    import statistics

    rows = []
    for a in assignments:
        scores = [r.score for r in results if r.assignment == a and not r.ungraded]
        top = max((r.max_score for r in results if r.assignment == a), default=0)
        rows.append({"assignment": a, "graded": len(scores),
                     "mean": f"{statistics.mean(scores):.2f}" if scores else "-",
                     "median": f"{statistics.median(scores):g}" if scores else "-",
                     "max": f"{top:g}"})
    return rows


def render(results: list[SubmissionResult], submitted: Path | None = None,
           threshold: float = SIMILARITY_THRESHOLD) -> str:
    """The class report as one HTML page."""
    assignments = assignments_of(results)
    rates = pass_rates(results)
    out_of = {a: max((r.max_score for r in results if r.assignment == a), default=0)
              for a in assignments}
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(TEMPLATE).render(
        assignments=assignments, out_of={a: f"{v:g}" for a, v in out_of.items()},
        out_of_total=f"{sum(out_of.values()):g}", totals=student_totals(results, assignments),
        beyond=beyond_honest(results),
        course=course_config.COURSE_ID,
        counts={"submissions": len(results), "students": len({r.student for r in results}),
                "graded": sum(not r.ungraded for r in results),
                "ungraded": sum(bool(r.ungraded) for r in results)},
        summary=_summary(results, assignments),
        plots={"scores": score_plot(results, assignments) if assignments else None,
               "rates": pass_rate_plot(rates), "time": time_plot(results)},
        rates=rates, messages=failure_messages(results),
        slowest=sorted(results, key=lambda r: -r.seconds),
        troubles=troubles(results), submitted=submitted, threshold=threshold,
        same_files=identical_saved_files(results, submitted) if submitted else [],
        similar=similar_code(results, submitted, threshold) if submitted else [],
    )


def write_report(results: list[SubmissionResult], out: Path, submitted: Path | None = None,
                 threshold: float = SIMILARITY_THRESHOLD) -> Path:
    write_atomic(Path(out), render(results, submitted, threshold))
    return Path(out)
