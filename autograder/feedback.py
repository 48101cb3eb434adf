"""Trusted feedback: one HTML page per submission, from the results of `grade --json`.

Pages go where nbgrader keeps feedback, `<out>/<student>/<assignment>/<notebook stem>.html`, so
`nbgrader release_feedback` delivers them. A page says the total, every check with its points
and the message written for students, and what the grader measured where a check measures
(an accuracy, a test MSE). It holds nothing else of the hidden checks: no input, no source, no
path of the kit. Everything is escaped (jinja2's autoescape).
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

import course_config
from autograder.reports import write_atomic
from autograder.scoring.results import SubmissionResult

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ title }}: feedback for {{ r.student }}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: .4rem .5rem; text-align: left;
         vertical-align: top; }
td.points { white-space: nowrap; }
tr.failed td.points { color: #a40000; font-weight: bold; }
tr.passed td.points { color: #206020; }
.total { font-size: 1.4rem; }
.ungraded { background: #fff3cd; padding: .8rem; border: 1px solid #e0c060; }
.problem { background: #fde8e8; padding: .8rem; border: 1px solid #e0a0a0; }
.measured { color: #444; font-size: .9rem; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p>Feedback for <strong>{{ r.student }}</strong> on <code>{{ r.notebook }}</code>
   (assignment <code>{{ r.assignment }}</code>).</p>
{% if r.ungraded %}
<p class="ungraded">Not graded yet, through no fault of yours: {{ ungraded }}
   Your submission will be graded again; no score has been recorded.</p>
{% else %}
<p class="total">Score: <strong>{{ "%g"|format(r.score) }}</strong> of
   {{ "%g"|format(r.max_score) }} points</p>
{% if problem %}<p class="problem">{{ problem }}</p>{% endif %}
<table>
<thead><tr><th>check</th><th>points</th><th>what the grader found</th></tr></thead>
<tbody>
{% for c in checks %}
<tr class="{{ 'passed' if c.passed else 'failed' }}">
<td>{{ c.name }}</td>
<td class="points">{{ "%g"|format(c.score) }} / {{ "%g"|format(c.max_score) }}</td>
<td>{% if c.passed %}passed{% else %}{{ c.message }}{% endif %}
{% if c.measured %}<div class="measured">measured by the grader:
{% for name, value in c.measured|dictsort %}{{ name }} = {{ "%.4g"|format(value) }}{% if not loop.last %}, {% endif %}{% endfor %}
</div>{% endif %}</td>
</tr>
{% endfor %}
</tbody>
</table>
{% endif %}
<p>The hidden checks test more cases than the public ones in the notebook; they ran on the
grader's own inputs, and your trained models were measured on data you never saw.</p>
</body>
</html>
"""

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def scrub(text: str | None) -> str:
    """`text` without any path of the course or the grader's machine in it."""
    if not text:
        return ""
    return re.sub(r"(?<![\w.])/(?:[\w.+-]+/)+[\w.+-]*", "<path>", text)


def page(result: SubmissionResult) -> str:
    """The feedback page of one submission."""
    settings = course_config.ASSIGNMENTS.get(result.assignment)
    checks = [{"name": c.name, "score": c.score, "max_score": c.max_score, "passed": c.passed,
               "message": scrub(c.message), "measured": c.measured} for c in result.checks]
    problem = scrub(result.problem)
    return _ENV.from_string(TEMPLATE).render(
        r=result, title=settings.title if settings else result.assignment, checks=checks,
        problem=problem, ungraded=scrub(result.ungraded))


PAGE_MODE = 0o644
"""Feedback pages: readable by every account (release_feedback keeps the mode)."""
PAGE_FOLDER_MODE = 0o755
"""The student's and the assignment's folders above a page."""


def feedback_path(out: Path, result: SubmissionResult) -> Path:
    """nbgrader's place for the feedback of `result`'s notebook."""
    return Path(out) / result.student / result.assignment / f"{Path(result.notebook).stem}.html"


def write_feedback(results: list[SubmissionResult], out: Path) -> list[Path]:
    """Write one page per submission under `out`; return their paths."""
    written = []
    for result in results:
        path = feedback_path(out, result)
        write_atomic(path, page(result))
        # nbgrader's release_feedback copies the page with its mode into the exchange, where
        # the student's own account reads it: pages are world-readable (grades and exports,
        # written by the same helper, stay 0600).
        for folder in (path.parent.parent, path.parent):
            folder.chmod(PAGE_FOLDER_MODE)
        path.chmod(PAGE_MODE)
        written.append(path)
    return written
