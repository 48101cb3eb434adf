"""Trusted feedback: one HTML page per submission, from the results of `grade --json`.

Pages go where nbgrader keeps feedback, `<out>/<student>/<assignment>/<notebook stem>.html`, so
`nbgrader release_feedback` delivers them. A page says the total and when the work was
submitted, then goes through the notebook's exercises in order, under the titles the student
reads in it ("Exercise 4: Write one_hot(indices, vocab_size) ..."): every check of an exercise
with its points, what it asks and what the grader found, and what the grader measured where a
check measures (an accuracy, a test MSE). An exercise whose code still raises the release's
NotImplementedError is one line, "not attempted". Which check belongs to which exercise comes
from the course's own source notebook (each check is the grade cell of the same name, below
its exercise), never from the student's file. The page holds nothing else of the hidden
checks: no input, no source, no path of the kit. Everything is escaped (jinja2's autoescape).
"""

from __future__ import annotations

import ast
import functools
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import jinja2

import course_config
from autograder.gradebook import submission_timestamp
from autograder.reports import write_atomic
from autograder.scoring.results import CheckResult, SubmissionResult

ROOT = Path(course_config.ROOT)
_EXERCISE = re.compile(r"\*\*Exercise\s+(\w+)\.?\*\*\s*")
_HEADING = re.compile(r"^##\s+(.+?)\s*#*\s*$", re.MULTILINE)
_UNDEFINED = re.compile(r"does not define (\w+)")
SUMMARY_CHARACTERS = 90
"""An exercise's first sentence is cut (at a word) past this many characters."""


@dataclass(frozen=True)
class Exercise:
    """A part of the notebook as the student knows it, and the checks graded under it."""

    title: str
    """"Exercise 4", or a section's heading for checks that follow no exercise of their own
    (the saved model's, under "How the grader measures your model")."""
    summary: str
    """The exercise's first sentence, markdown marks removed ("" for a section)."""
    checks: tuple[str, ...]
    """Its checks (grade cells), in notebook order."""
    defines: frozenset[str]
    """Names its solution cells define in the worked solution (functions, variables)."""


def _plain(markdown: str) -> str:
    """Markdown reduced to its words: no backticks, emphasis, links or line breaks."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"`|\*\*?", "", text)
    return " ".join(text.split())


def _first_sentence(markdown: str) -> str:
    text = _plain(markdown.split("\n\n", 1)[0])
    match = re.search(r"(?<=[.!?])\s+(?=[A-Z(])", text)
    sentence = text[:match.start()] if match else text
    if len(sentence) > SUMMARY_CHARACTERS:
        sentence = sentence[:SUMMARY_CHARACTERS].rsplit(" ", 1)[0].rstrip(",;:") + " ..."
    return sentence


def _defined_names(source: str) -> set[str]:
    """Top-level names a code cell binds (def, class, assignments)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


@functools.lru_cache(maxsize=None)
def exercises(assignment: str) -> tuple[Exercise, ...]:
    """`assignment`'s exercises in notebook order, read from its source notebook: a check
    belongs to the exercise ("**Exercise N.**") above its grade cell, or to a later level-2
    section heading when one comes between them. Exercises without a check of their own
    (`HIDDEN_UNITS = ...`) are listed too: other exercises' checks use what they define."""
    settings = course_config.ASSIGNMENTS.get(assignment)
    if settings is None:
        return ()
    path = ROOT / "source" / assignment / settings.notebook
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return ()
    groups: list[dict] = []
    for cell in cells:
        source = "".join(cell.get("source", ""))
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "markdown":
            marker = None
            for marker in _EXERCISE.finditer(source):
                pass
            if marker is not None:
                groups.append({"title": f"Exercise {marker.group(1)}",
                               "summary": _first_sentence(source[marker.end():]),
                               "checks": [], "defines": set()})
            elif (heading := _HEADING.search(source)) is not None:
                groups.append({"title": _plain(heading.group(1)), "summary": "",
                               "checks": [], "defines": set()})
            continue
        if not groups:
            continue
        if meta.get("grade") and meta.get("grade_id"):
            groups[-1]["checks"].append(str(meta["grade_id"]))
        if meta.get("solution"):
            groups[-1]["defines"] |= _defined_names(source)
    return tuple(Exercise(g["title"], g["summary"], tuple(g["checks"]), frozenset(g["defines"]))
                 for g in groups)


@functools.lru_cache(maxsize=None)
def check_headlines(assignment: str) -> dict[str, str]:
    """What each check of `assignment` asks (the headline of its `@check`), by check name,
    read from the checks' source without importing it."""
    path = ROOT / "autograder" / "checks" / assignment / f"test_{assignment}.py"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return {}
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            value = _setting(node.value)
            if isinstance(value, str):
                constants[node.targets[0].id] = value
    headlines = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test_"):
            continue
        for decorator in node.decorator_list:
            if (isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") == "check"
                    and len(decorator.args) >= 2):
                text = _text_of(decorator.args[1], constants)
                if text:
                    headlines[node.name.removeprefix("test_")] = text
    return headlines


def _setting(node: ast.expr) -> object:
    """The value of a constant, or of a course setting the checks name at module level
    (`ASSIGNMENTS["addition"].saved_files[0]`): names, attributes and subscripts only."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return getattr(course_config, node.id, None)
    if isinstance(node, ast.Attribute) and not node.attr.startswith("_"):
        return getattr(_setting(node.value), node.attr, None)
    if isinstance(node, ast.Subscript):
        container, key = _setting(node.value), _setting(node.slice)
        try:
            return container[key]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return None
    return None


def _text_of(node: ast.expr, constants: dict[str, object]) -> str | None:
    """The string a headline's expression makes: a literal, or an f-string of module-level
    constants (`f"{MODEL_FILE} should ..."`); None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if not isinstance(node, ast.JoinedStr):
        return None
    parts = []
    for part in node.values:
        if isinstance(part, ast.Constant):
            parts.append(str(part.value))
        elif (isinstance(part, ast.FormattedValue) and isinstance(part.value, ast.Name)
              and part.value.id in constants and part.format_spec is None):
            parts.append(str(constants[part.value.id]))
        else:
            return None
    return "".join(parts)


def detail(headline: str, message: str) -> str:
    """What a failed check found, without the headline the page already shows above it."""
    message = message.strip()
    if headline and message.startswith(headline):
        message = message[len(headline):].strip()
    return message or "failed"


def not_attempted(exercise: Exercise, checks: list[CheckResult]) -> bool:
    """Every check of the exercise failed because its own code still raises the release's
    NotImplementedError (or never defined what the exercise asks for, since its cell raised)."""
    if not checks or any(c.passed for c in checks):
        return False
    for c in checks:
        undefined = _UNDEFINED.search(c.message or "")
        if "raised NotImplementedError" in (c.message or ""):
            continue
        if undefined and undefined.group(1) in exercise.defines:
            continue
        return False
    return True


def _check_row(check: CheckResult, headlines: dict[str, str], exercise: Exercise | None,
               every: tuple[Exercise, ...]) -> dict:
    headline = headlines.get(check.name, "")
    found = "" if check.passed else detail(headline, check.message)
    undefined = _UNDEFINED.search(found)
    if undefined and (exercise is None or undefined.group(1) not in exercise.defines):
        # A name another exercise defines: say which, since that is the one to do first.
        owner = next((e for e in every if undefined.group(1) in e.defines), None)
        if owner is not None:
            found = f"{found} ({undefined.group(1)} is part of {owner.title}.)"
    return {"name": check.name, "asks": headline or check.name, "score": check.score,
            "max_score": check.max_score, "passed": check.passed, "found": scrub(found),
            "measured": check.measured}


def sections(result: SubmissionResult) -> list[dict]:
    """The page's sections: each exercise with the result's checks under it, in notebook order;
    checks the notebook does not place come last, under "Other checks"."""
    by_name = {c.name: c for c in result.checks}
    headlines = check_headlines(result.assignment)
    placed: set[str] = set()
    out = []
    every = exercises(result.assignment)
    for exercise in every:
        mine = [by_name[name] for name in exercise.checks if name in by_name]
        if not mine:
            continue
        placed.update(c.name for c in mine)
        out.append({"title": exercise.title, "summary": exercise.summary,
                    "score": sum(c.score for c in mine),
                    "max_score": sum(c.max_score for c in mine),
                    "not_attempted": not_attempted(exercise, mine),
                    "names": ", ".join(c.name for c in mine),
                    "checks": [_check_row(c, headlines, exercise, every) for c in mine]})
    rest = [c for c in result.checks if c.name not in placed]
    if rest:
        out.append({"title": "Other checks" if out else "Checks", "summary": "",
                    "score": sum(c.score for c in rest),
                    "max_score": sum(c.max_score for c in rest), "not_attempted": False,
                    "names": ", ".join(c.name for c in rest),
                    "checks": [_check_row(c, headlines, None, every) for c in rest]})
    return out


TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ title }}: feedback for {{ r.student }}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.4; }
table { border-collapse: collapse; width: 100%; margin-bottom: .5rem; table-layout: fixed; }
col.asks { width: 42%; } col.points { width: 5.5rem; }
th, td { border-bottom: 1px solid #ddd; padding: .4rem .5rem; text-align: left;
         vertical-align: top; }
th { font-weight: 600; color: #555; font-size: .9rem; }
td.points, span.points { white-space: nowrap; }
tr.failed td.points { color: #a40000; font-weight: bold; }
tr.passed td.points { color: #206020; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .3rem; display: flex; gap: 1rem;
     justify-content: space-between; border-bottom: 2px solid #ccd; padding-bottom: .2rem; }
h2 .points { font-weight: normal; color: #444; }
p.summary { margin: .2rem 0 .4rem; color: #444; }
p.not-attempted { margin: .3rem 0; padding: .5rem .7rem; background: #f2f2f2;
                  border-left: 4px solid #999; }
.id { color: #777; font-size: .8rem; }
.total { font-size: 1.4rem; margin-bottom: .2rem; }
.ungraded { background: #fff3cd; padding: .8rem; border: 1px solid #e0c060; }
.problem { background: #fde8e8; padding: .8rem; border: 1px solid #e0a0a0; }
.measured { color: #444; font-size: .9rem; }
.notice { background: #eef3fb; padding: .8rem; border: 1px solid #a8bde0; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p>Feedback for <strong>{{ r.student }}</strong> on <code>{{ r.notebook }}</code>
   (assignment <code>{{ r.assignment }}</code>){% if submitted_at %},
   submitted <time datetime="{{ submitted_at.isoformat() }}Z">{{ submitted_at.strftime("%Y-%m-%d %H:%M:%S") }} UTC</time>{% endif %}.</p>
{% if r.ungraded %}
<p class="ungraded">Not graded yet, through no fault of yours: {{ ungraded }}
   Your submission will be graded again; no score has been recorded.</p>
{% else %}
<p class="total">Score: <strong>{{ "%g"|format(r.score) }}</strong> of
   {{ "%g"|format(r.max_score) }} points</p>
{% if notice %}<p class="notice">{{ notice }}</p>{% endif %}
{% if problem and shows != "total" %}<p class="problem">{{ problem }}</p>{% endif %}
{% for s in (sections if shows != "total" else []) %}
<h2><span>{{ s.title }}</span><span class="points">{{ "%g"|format(s.score) }} / {{ "%g"|format(s.max_score) }}</span></h2>
{% if s.summary %}<p class="summary">{{ s.summary }}</p>{% endif %}
{% if s.not_attempted %}
<p class="not-attempted" title="checks: {{ s.names }}">Not attempted: its code still raises
   NotImplementedError (here or in a function it uses).</p>
{% else %}
<table>
<colgroup><col class="asks"><col class="points"><col></colgroup>
<thead><tr><th>the check</th><th>points</th><th>what the grader found</th></tr></thead>
<tbody>
{% for c in s.checks %}
<tr class="{{ 'passed' if c.passed else 'failed' }}">
<td class="asks">{{ c.asks }}<br><span class="id">{{ c.name }}</span></td>
<td class="points">{{ "%g"|format(c.score) }} / {{ "%g"|format(c.max_score) }}</td>
<td>{% if c.passed %}passed{% elif shows == "full" %}{{ c.found }}{% else %}not passed{% endif %}
{% if c.measured and shows == "full" %}<div class="measured">measured by the grader:
{% for name, value in c.measured|dictsort %}{{ name }} = {{ "%.4g"|format(value) }}{% if not loop.last %}, {% endif %}{% endfor %}
</div>{% endif %}</td>
</tr>
{% endfor %}
</tbody>
</table>
{% endif %}
{% endfor %}
{% endif %}
{% if notice and r.ungraded %}<p class="notice">{{ notice }}</p>{% endif %}
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


def page(result: SubmissionResult, submitted_at: datetime | None = None, shows: str = "full",
         notice: str = "") -> str:
    """The feedback page of one submission; `submitted_at` is when it was submitted (UTC).

    `shows` is one of course_config.SHOWN: every check with what the grader found ("full"),
    the checks and their points without messages ("titles"), or the total alone ("total").
    `notice` is a line for the student above the checks (why the page shows less)."""
    if shows not in course_config.SHOWN:
        raise ValueError(f"shows should be one of {course_config.SHOWN}, not {shows!r}")
    settings = course_config.ASSIGNMENTS.get(result.assignment)
    return _ENV.from_string(TEMPLATE).render(
        r=result, title=settings.title if settings else result.assignment,
        sections=sections(result), problem=scrub(result.problem),
        ungraded=scrub(result.ungraded), submitted_at=submitted_at, shows=shows,
        notice=notice)


PAGE_MODE = 0o644
"""Feedback pages: readable by every account (release_feedback keeps the mode)."""
PAGE_FOLDER_MODE = 0o755
"""The student's and the assignment's folders above a page."""


def feedback_path(out: Path, result: SubmissionResult) -> Path:
    """nbgrader's place for the feedback of `result`'s notebook."""
    return Path(out) / result.student / result.assignment / f"{Path(result.notebook).stem}.html"


def write_feedback(results: list[SubmissionResult], out: Path,
                   submitted: Path | None = None) -> list[Path]:
    """Write one page per submission under `out`; return their paths. With `submitted`
    (nbgrader's submitted/ tree), each page says when its work was submitted (timestamp.txt)."""
    written = []
    for result in results:
        path = feedback_path(out, result)
        stamp = submission_timestamp(submitted, result.student, result.assignment)
        write_atomic(path, page(result, stamp))
        # nbgrader's release_feedback copies the page with its mode into the exchange, where
        # the student's own account reads it: pages are world-readable (grades and exports,
        # written by the same helper, stay 0600).
        for folder in (path.parent.parent, path.parent):
            folder.chmod(PAGE_FOLDER_MODE)
        path.chmod(PAGE_MODE)
        written.append(path)
    return written


SUPERSEDED = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }}: feedback for {{ student }}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;">
<h1>{{ title }}</h1>
<p>You submitted <code>{{ assignment }}</code> again
   (<time datetime="{{ newer.isoformat() }}">{{ newer.strftime("%Y-%m-%d %H:%M:%S") }} UTC</time>)
   before this submission was graded, so the newer one was graded instead: fetch the feedback
   again to read its page.</p>
</body>
</html>
"""


def superseded_page(student: str, assignment: str, newer_arrived: float) -> str:
    """The page of a submission replaced by a newer one before it was graded."""
    settings = course_config.ASSIGNMENTS.get(assignment)
    return _ENV.from_string(SUPERSEDED).render(
        title=settings.title if settings else assignment, student=student,
        assignment=assignment,
        newer=datetime.fromtimestamp(newer_arrived, timezone.utc).replace(tzinfo=None))
